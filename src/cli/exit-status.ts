/**
 * Every exit status lwt can end with, and the one mapper from a run's results, an error or a
 * signal to a status. The table feeds every --help page and the README; nothing else in lwt
 * picks a number.
 */
import type { RunSummary } from '../runner/results.js';
import type { Outcome } from '../core/outcome.js';
import { LwtError, type ErrorKind } from '../errors.js';

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  killed: 3,
  unreachable: 4,
  /** EX_SOFTWARE: a defect in lwt, not in the operator's input. */
  internal: 70,
  /** EX_TEMPFAIL: another lwt holds the lock; cron tries again. */
  busy: 75,
  sighup: 129,
  sigint: 130,
  sigpipe: 141,
  sigterm: 143,
} as const;

/** Rows of the --help table, in order: status, meaning. */
const TABLE: ReadonlyArray<readonly [number, string]> = [
  [EXIT.ok, 'every job/host exited 0'],
  [EXIT.failed, 'some command exited non-zero, or some transfer failed on its host'],
  [EXIT.usage, 'usage error: bad flag, unreadable file, bad config (nothing ran)'],
  [EXIT.killed, 'some job was killed by a signal, timed out, closed without an exit status, or lost its connection'],
  [EXIT.unreachable, 'some host was unreachable, or a job could not be started here'],
  [EXIT.internal, 'a defect in lwt (the message and the log say where)'],
  [EXIT.busy, 'another lwt holds the lock (monitor, task-update): nothing done, try later'],
  [EXIT.sighup, 'interrupted by SIGHUP (terminal closed): running jobs were killed'],
  [EXIT.sigint, 'interrupted by SIGINT (Ctrl-C): running jobs were killed, the summary printed'],
  [EXIT.sigpipe, 'stdout was closed (lwt … | head): running jobs were killed'],
  [EXIT.sigterm, 'interrupted by SIGTERM'],
];

export const EXIT_STATUS_HELP = `Exit status (the worst one wins):\n${TABLE.map(([n, text]) => `  ${String(n).padEnd(4)} ${text}`).join('\n')}`;

/** What 1 means for a transfer verb: no command runs there, so "exited non-zero" cannot happen. */
const TRANSFER_MEANING: Readonly<Record<number, string>> = {
  [EXIT.ok]: "every host's transfer completed",
  [EXIT.failed]: "some host's transfer failed (SFTP error, permission denied, disk full, a name refused)",
  [EXIT.killed]: 'some transfer timed out or lost its connection',
};

/** The table for put-all, put-all-diff and get-all. */
export const TRANSFER_EXIT_STATUS_HELP = `Exit status (the worst one wins):\n${TABLE.map(([n, text]) => `  ${String(n).padEnd(4)} ${TRANSFER_MEANING[n] ?? text}`).join('\n')}`;

/** The status one outcome asks for. */
export function outcomeStatus(o: Outcome): number {
  switch (o.kind) {
    case 'exited':
      return o.code === 0 ? EXIT.ok : EXIT.failed;
    case 'failed':
      return EXIT.failed;
    case 'signaled':
    case 'timeout':
    case 'no-status':
    case 'cancelled':
    case 'lost':
      return EXIT.killed;
    case 'unreachable':
    case 'local-error':
      return EXIT.unreachable;
    case 'internal':
      return EXIT.internal;
  }
}

const RANK: readonly number[] = [EXIT.ok, EXIT.failed, EXIT.killed, EXIT.unreachable, EXIT.internal];

/** The worst status over outcomes: 0 < 1 < 3 < 4 < 70. */
export function worstStatus(outcomes: Iterable<Outcome>): number {
  let worst: number = EXIT.ok;
  for (const o of outcomes) {
    const s = outcomeStatus(o);
    if (RANK.indexOf(s) > RANK.indexOf(worst)) worst = s;
  }
  return worst;
}

const SIGNAL_STATUS: Readonly<Record<string, number>> = { SIGHUP: EXIT.sighup, SIGINT: EXIT.sigint, SIGPIPE: EXIT.sigpipe, SIGTERM: EXIT.sigterm };

/** 128 + the signal's number for the signals lwt stops on. */
export function signalStatus(signal: NodeJS.Signals): number {
  return SIGNAL_STATUS[signal] ?? EXIT.sigint;
}

/** A run's status: the interrupt that cancelled it, else the worst outcome. */
export function runStatus(summary: Pick<RunSummary, 'results' | 'interrupted'>): number {
  if (summary.interrupted) return signalStatus(summary.interrupted);
  return worstStatus(summary.results.map((r) => r.outcome));
}

const ERROR_STATUS: Readonly<Record<ErrorKind, number>> = { usage: EXIT.usage, busy: EXIT.busy, 'not-found': EXIT.failed };

/** The status of an error that stopped lwt before or outside the jobs. */
export function errorStatus(err: unknown): number {
  return err instanceof LwtError ? ERROR_STATUS[err.kind] : EXIT.internal;
}
