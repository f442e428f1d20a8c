import type { Outcome } from './outcome.js';

/**
 * Why we are killing a job, recorded as the AbortSignal's reason *before* the kill starts,
 * so that our reason wins over whatever status the dying process reports (a parent that
 * exits 0 after its children were killed is still a job we killed).
 */
export type KillReason =
  | { kind: 'timeout'; afterMs: number }
  | { kind: 'cancelled'; signal?: NodeJS.Signals };

export function isKillReason(value: unknown): value is KillReason {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'timeout' || kind === 'cancelled';
}

/** The outcome of a job killed for `reason`, with how many processes the kill took. */
export function killedOutcome(reason: KillReason, killed: number, started = true): Outcome {
  return reason.kind === 'timeout'
    ? { kind: 'timeout', afterMs: reason.afterMs, killed }
    : { kind: 'cancelled', killed, started };
}

/**
 * What a job we were killing is reported as, once its own status `raw` came. Our reason wins (a
 * parent that exits 0 after its children were killed is still a job we killed), unless the kill
 * found nothing left to kill: then the job had ended on its own before the kill reached it
 * (`lwt run … | head -1`: jobs that finished while the pipe closed) and its own status is the
 * truth; calling it cancelled would also tell a resumed run to do finished work again.
 * `endedBeforeKill` tells the pool (pool.ts) to let that status stand.
 */
export function afterKill(raw: Outcome | undefined, reason: KillReason, killed: number): { outcome: Outcome; endedBeforeKill?: true } {
  if (killed === 0 && (raw?.kind === 'exited' || raw?.kind === 'signaled')) return { outcome: raw, endedBeforeKill: true };
  return { outcome: killedOutcome(reason, killed) };
}

/** The reason behind an aborted signal, or a plain cancel for anything else. */
export function reasonOf(signal: AbortSignal): KillReason {
  return isKillReason(signal.reason) ? signal.reason : { kind: 'cancelled' };
}
