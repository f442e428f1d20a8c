/**
 * Every default an operator can change with a flag or a config setting, in one table: the
 * code reads its value from here, every --help page prints it from here, and `lwt init`
 * writes its config template from here, so the three can never disagree.
 */
import { availableParallelism } from 'node:os';

const MiB = 1024 * 1024;

export const DEFAULTS = {
  /** Hosts at once for exec-all and the transfer verbs. */
  parallel: 32,
  /**
   * Hosts at once for monitor: probes are light and a silent host holds its slot for the whole
   * connect timeout, so a cycle lasts about ceil(silent hosts / parallel) × connect timeout.
   */
  monitorParallel: 256,
  /** Local jobs at once for `lwt run`: 4 × this machine's cores. */
  runParallel: availableParallelism() * 4,
  /** Seconds for TCP + SSH handshake + auth per host (ssh_config's ConnectTimeout wins over it). */
  connectTimeout: 10,
  /**
   * SSH handshakes (key exchange + auth) in flight at once, whatever -p: 8 per core of this
   * machine. They are CPU work on both ends; more at once only makes every one of them late.
   */
  handshakes: availableParallelism() * 8,
  /** A job's deadline in seconds after connecting; 0 is none. */
  timeout: 0,
  /** Retries of connection failures. */
  retries: 0,
  /** Output kept per job and stream, head and tail, in bytes. */
  outputCap: MiB,
  /** Seconds the monitor's probe command may take after connecting. */
  probeTimeout: 10,
  /** The monitor: failures in a row that drop a listed host, successes that list it again. */
  dropAfter: 2,
  restoreAfter: 1,
  /** The monitor's --bandwidth test size and the rate under which a host is slow (bytes, bytes/s). */
  bandwidthBytes: MiB,
  /** dispatch: slots (channels) per host; one channel of OpenSSH's 10 per connection stays free for the remote kill. */
  dispatchSlotsPerHost: 4,
  /** dispatch: local slots when no host is given (GNU parallel runs one job per core). */
  dispatchLocal: availableParallelism(),
  /** dispatch --worker: crashes on one line after which it is reported as poison. */
  dispatchMaxCrashes: 5,
  /** dispatch --keep-order: finished lines that may wait for an earlier one before intake pauses. */
  dispatchReorderWindow: 1000,
} as const;

/** `1M` for a byte count that is a whole number of MiB, for help lines. */
export function formatBytes(n: number): string {
  if (n % MiB === 0) return `${n / MiB}M`;
  if (n % 1024 === 0) return `${n / 1024}K`;
  return String(n);
}

/** Verbs whose -p defaults to DEFAULTS.parallel. */
const HOST_VERBS = ['exec-all', 'put-all', 'put-all-diff', 'get-all'] as const;

/**
 * The `.lwtrc.json` lwt init writes: the defaults as they apply, so editing one is changing a
 * default. `run.parallel` depends on the machine and is left out (the code computes it), and
 * so is connectTimeout: written here it would override every host's ssh_config ConnectTimeout
 * (lwt config > ssh_config > built-in), which the built-in 10 s does not.
 */
export function configTemplate(): string {
  return `${JSON.stringify(
    {
      timeout: DEFAULTS.timeout,
      retries: DEFAULTS.retries,
      outputCap: DEFAULTS.outputCap,
      // Per verb: a top-level parallel would apply to run and monitor too.
      commands: {
        ...Object.fromEntries(HOST_VERBS.map((v) => [v, { parallel: DEFAULTS.parallel }])),
        monitor: { parallel: DEFAULTS.monitorParallel },
      },
    },
    null,
    2,
  )}\n`;
}
