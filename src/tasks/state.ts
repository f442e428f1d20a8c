/**
 * A task instance and its state machine. Pure: every change of state goes through
 * `transition`, which refuses a move the machine does not have and stamps the reason.
 *
 *   new ──place──▶ placed ──start seen──▶ running ──ended──▶ fetching ──▶ done | failed
 *    ▲  ◀─resume─ suspended                │    ▲                ▲
 *    │                                      ▼    │ host back       │ ended while away
 *    └────────── reassigned ◀──────────── lost ──┴─────────────────┘
 *   any live state ──stop──▶ stopped;  failed/stopped/done ──retry──▶ new
 */
import type { Outcome } from '../core/outcome.js';

export type TaskState = 'new' | 'suspended' | 'placed' | 'running' | 'lost' | 'fetching' | 'done' | 'failed' | 'stopped';

export const ENDED: ReadonlySet<TaskState> = new Set(['done', 'failed', 'stopped']);

/** Where an earlier attempt ran: if that host comes back with the copy still running, the copy is stopped. */
export interface Placement {
  host: string;
  attempt: number;
  /** Still to be checked on that host (a copy may run there). */
  unsettled: boolean;
  /** What finds that copy's processes: its wrapper's pid and its job cookie. */
  pid?: number;
  cookie?: string;
}

export interface TaskInstance {
  id: string;
  name: string;
  /** Words after `--` of `lwt task add`: appended to the command, shell-quoted. */
  args: string[];
  state: TaskState;
  createdAt: string;
  /** Starts so far (the first start is attempt 1). */
  attempt: number;
  host?: string;
  placedAt?: string;
  startedAt?: string;
  endedAt?: string;
  /** The remote wrapper's pid (session leader of the task) and its job cookie. */
  pid?: number;
  cookie?: string;
  outcome?: Outcome;
  /** Why the last transition happened. */
  reason: string;
  /** Cycles in a row in which the host did not answer. */
  lostCycles?: number;
  lostSince?: string;
  previous: Placement[];
  /** A stop was asked for (lwt task stop): carried out by the next contact with the host. */
  stopRequested?: boolean;
  /** Respawn (services) or retry (failures) planned: back to new at this time. */
  respawnAt?: string;
  retryAt?: string;
  /** How the definition's limits were applied on the host: cgroup-v2, cgroup-v1, rlimit, none. */
  limitsBy?: string;
  /** The task was killed by a limit (the OOM killer in its cgroup). */
  limitHit?: 'memory';
  /** Respawns in the last hour (their times), for the backoff and the hourly cap. */
  respawns?: string[];
}

export interface Transition {
  at: string;
  id: string;
  from: TaskState;
  to: TaskState;
  reason: string;
  host?: string;
}

const MOVES: Record<TaskState, readonly TaskState[]> = {
  new: ['placed', 'suspended', 'stopped'],
  suspended: ['new', 'stopped'],
  placed: ['running', 'fetching', 'lost', 'new', 'failed', 'stopped'],
  running: ['fetching', 'lost', 'new', 'stopped', 'failed'],
  lost: ['running', 'fetching', 'new', 'failed', 'stopped'],
  fetching: ['done', 'failed', 'lost'],
  // A service waiting for its respawn (or a failure for its retry) can still be stopped.
  done: ['new', 'stopped'],
  failed: ['new', 'stopped'],
  stopped: ['new'],
};

export function canMove(from: TaskState, to: TaskState): boolean {
  return MOVES[from].includes(to);
}

/** The instance after moving to `to`, and the history line; throws on a move the machine does not have. */
export function transition(
  t: TaskInstance,
  to: TaskState,
  reason: string,
  now: string,
  changes: Partial<TaskInstance> = {},
): { next: TaskInstance; line: Transition } {
  if (!canMove(t.state, to)) throw new Error(`task ${t.id}: no move from ${t.state} to ${to} (${reason})`);
  const next: TaskInstance = { ...t, ...changes, state: to, reason };
  const host = next.host ?? t.host;
  return { next, line: { at: now, id: t.id, from: t.state, to, reason, ...(host ? { host } : {}) } };
}

/** The placement a task leaves behind, with what finds its processes if a copy still runs. */
export function oldCopy(t: TaskInstance): Placement {
  return { host: t.host!, attempt: t.attempt, unsettled: true, ...(t.pid ? { pid: t.pid } : {}), ...(t.cookie ? { cookie: t.cookie } : {}) };
}

/** Back to `new` for another attempt elsewhere: the old placement is remembered as unsettled. */
export function reassign(t: TaskInstance, reason: string, now: string): { next: TaskInstance; line: Transition } {
  const previous = t.host ? [...t.previous, oldCopy(t)] : t.previous;
  const r = transition(t, 'new', reason, now, { previous });
  const { host: _h, pid: _p, cookie: _c, placedAt: _pa, startedAt: _s, lostCycles: _l, lostSince: _ls, ...rest } = r.next;
  return { next: rest as TaskInstance, line: r.line };
}
