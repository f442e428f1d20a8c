import type { HostSpec } from '../hosts/host-spec.js';
import type { Connections } from '../runner/connections.js';
import type { RunEvents } from '../runner/events.js';
import { runHosts } from '../runner/host-runner.js';
import type { RunSummary } from '../runner/results.js';
import { execRemote } from '../ssh/remote-exec.js';

export interface ExecAllOptions {
  hosts: readonly HostSpec[];
  command: string;
  /** Where connections come from (and go back to); the caller closes it. */
  connections: Connections;
  concurrency: number;
  /** The command's deadline per host, from when the command starts (after connecting). */
  timeoutMs?: number;
  /** Retries of connection failures (not of host-key, auth or config refusals). */
  retries?: number;
  /** Retry commands that exited non-zero too. */
  retryFailedCommands?: boolean;
  env?: Record<string, string>;
  stdin?: Buffer;
  sudo?: boolean;
  /** The command outlives a dead connection (no watchdog on the host). */
  detach?: boolean;
  outputCapBytes: number;
  signal?: AbortSignal;
  events?: RunEvents;
}

/**
 * `lwt exec-all`: the command in an exec channel on every host, at most `concurrency` hosts
 * at once. Every host ends as one JobResult; nothing here throws per host or prints.
 */
export function execAll(opts: ExecAllOptions): Promise<RunSummary> {
  return runHosts({
    ...opts,
    ...(opts.retryFailedCommands ? { retryAlso: (w) => w.outcome.kind === 'exited' && w.outcome.code !== 0 } : {}),
    work: (job) =>
      execRemote(job.client, {
        command: opts.command,
        signal: job.signal,
        outputCapBytes: opts.outputCapBytes,
        log: job.log,
        ...(job.onOutput ? { onOutput: job.onOutput } : {}),
        ...(opts.env ? { env: opts.env } : {}),
        ...(opts.stdin ? { stdin: opts.stdin } : {}),
        ...(opts.sudo ? { sudo: true } : {}),
        ...(opts.detach ? { detach: true } : {}),
      }),
  });
}
