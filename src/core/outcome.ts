import { constants as osConstants } from 'node:os';

/**
 * How a job ended. One type for every layer: local processes, remote commands,
 * transfers, tasks. A bare exit number never leaves this module.
 */
export type UnreachableReason =
  | 'refused'
  | 'connect-timeout'
  | 'dns'
  | 'auth'
  | 'host-key'
  | 'reset'
  | 'protocol'
  /** The OpenSSH config asks for something lwt does not do (it never connects another way). */
  | 'config';

export type Outcome =
  | { kind: 'exited'; code: number }
  | { kind: 'signaled'; signal: string; coreDumped: boolean }
  /** We killed the job's tree because its deadline passed. `killed` counts the processes we killed. */
  | { kind: 'timeout'; afterMs: number; killed: number }
  /** The operator interrupted the run; the job was killed or never started. */
  | { kind: 'cancelled'; killed: number; started: boolean }
  | { kind: 'unreachable'; reason: UnreachableReason; message: string }
  /** The SSH channel closed without an exit status (RFC 4254 allows it). */
  | { kind: 'no-status' }
  /**
   * The connection was up and the work had begun, then the connection or session went away
   * (reset, keepalive lost, channel refused). Not `unreachable`: the host was reached, and
   * whatever ran there may have run in part.
   */
  | { kind: 'lost'; message: string }
  /** The work on the host failed without an exit status of its own (a transfer, a listing): names the cause. */
  | { kind: 'failed'; message: string }
  /** lwt could not do its local part (spawn /bin/sh, write a local file): names the cause. */
  | { kind: 'local-error'; message: string }
  /** A defect in lwt: a worker threw. Reported, never hidden as another kind. */
  | { kind: 'internal'; message: string };

export type OutcomeKind = Outcome['kind'];

/** Kinds in the order a summary lists them, best first. */
export const OUTCOME_KINDS: readonly OutcomeKind[] = [
  'exited',
  'signaled',
  'timeout',
  'cancelled',
  'no-status',
  'lost',
  'failed',
  'unreachable',
  'local-error',
  'internal',
];

export const isSuccess = (o: Outcome): boolean => o.kind === 'exited' && o.code === 0;

const SIGNAL_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(osConstants.signals).map(([name, num]) => [num, name]),
);

export function signalName(num: number): string {
  return SIGNAL_NAMES.get(num) ?? `SIG${num}`;
}

export function signalNumber(name: string): number | undefined {
  return (osConstants.signals as Record<string, number>)[name];
}

/** Node's child_process 'exit' pair: exactly one of code/signal is set. */
export function fromNodeExit(code: number | null, signal: NodeJS.Signals | null): Outcome {
  if (signal !== null) return { kind: 'signaled', signal, coreDumped: false };
  if (code !== null) return { kind: 'exited', code };
  return { kind: 'no-status' };
}

/**
 * A shell reports a child killed by signal N as exit code 128+N. That is still an exit
 * code (the shell itself exited), so we keep it as 'exited' and only *describe* the
 * likely signal: guessing would misreport a program that really exits 137.
 */
export function shellSignalHint(code: number): string | undefined {
  if (code > 128 && code < 128 + 65) {
    const name = SIGNAL_NAMES.get(code - 128);
    if (name) return name;
  }
  return undefined;
}

/** One line for humans. Every message about an outcome is built here. */
export function describeOutcome(o: Outcome): string {
  switch (o.kind) {
    case 'exited': {
      const hint = shellSignalHint(o.code);
      return hint ? `exit ${o.code} (128+${signalNumber(hint)}: shell reports ${hint})` : `exit ${o.code}`;
    }
    case 'signaled':
      return `killed by ${o.signal}${o.coreDumped ? ' (core dumped)' : ''}`;
    case 'timeout':
      return `timed out after ${formatMs(o.afterMs)}, killed ${o.killed} process${o.killed === 1 ? '' : 'es'}`;
    case 'cancelled':
      return o.started ? `cancelled, killed ${o.killed} process${o.killed === 1 ? '' : 'es'}` : 'cancelled before start';
    case 'unreachable':
      return `unreachable (${o.reason}): ${o.message}`;
    case 'no-status':
      return 'closed without exit status';
    case 'lost':
      return `connection lost: ${o.message}`;
    case 'failed':
      return `failed: ${o.message}`;
    case 'local-error':
      return `local error: ${o.message}`;
    case 'internal':
      return `internal error: ${o.message}`;
  }
}

/** An outcome's message without a leading `LABEL: ` (connect errors start with the host's name). */
export function messageWithoutLabel(message: string, label: string): string {
  return message.startsWith(`${label}: `) ? message.slice(label.length + 2) : message;
}

/** describeOutcome for a line that already starts with `label`: the label is not said twice. */
export function describeOutcomeOf(label: string, o: Outcome): string {
  return 'message' in o ? describeOutcome({ ...o, message: messageWithoutLabel(o.message, label) }) : describeOutcome(o);
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Math.round((ms % 60_000) / 1000)}s`;
}

/** The public JSON shape of an outcome (the `outcome` field of --json lines). */
export function outcomeJson(o: Outcome): Record<string, unknown> {
  switch (o.kind) {
    case 'unreachable':
      return { kind: o.kind, reason: o.reason, message: o.message };
    default:
      return { ...o };
  }
}
