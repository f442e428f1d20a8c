/**
 * What the scheduler does with a task after looking at its host: pure decisions, so that the
 * rules (lost after K cycles, timeout kill, retries, respawn backoff) are tested without a
 * fleet. The cycle carries them out and writes every change to the store.
 */
import { isSuccess, type Outcome } from '../core/outcome.js';
import { retryDelayMs } from '../core/retry.js';
import type { TaskDefinition } from './definition.js';
import { formatDuration } from './duration.js';
import { statusOutcome, type RemoteTaskState } from './remote-scripts.js';
import type { TaskInstance, TaskState } from './state.js';

export interface LostRule {
  /** Cycles in a row without an answer before a task is placed elsewhere. */
  afterCycles: number;
  /** Or this long since the host first did not answer. */
  afterMs: number;
}

export type Decision =
  | { action: 'none'; changes?: Partial<TaskInstance> }
  | { action: 'move'; to: TaskState; reason: string; changes?: Partial<TaskInstance> }
  /** Kill the task's tree on its host, then move (timeout, stop). */
  | { action: 'kill'; graceful: boolean; to: TaskState; reason: string; changes: Partial<TaskInstance> }
  /** Placed but never started there (a cycle ended before the start): start it now. */
  | { action: 'start' }
  | { action: 'reassign'; reason: string };

/** A placed start that has not written its pid line after this long has failed to start. */
export const START_GRACE_MS = 60_000;

export function decideAfterCheck(t: TaskInstance, seen: RemoteTaskState, def: TaskDefinition | undefined, now: Date): Decision {
  const at = now.toISOString();
  const back = t.state === 'lost' ? ' (host answered again)' : '';
  switch (seen.kind) {
    case 'ended':
      const byLimit = / oom$/.test(seen.status.trim()) ? `: killed by its memory limit${t.limitsBy ? ` (${t.limitsBy})` : ''}` : '';
      return { action: 'move', to: 'fetching', reason: `ended: ${seen.status}${byLimit}${back}`, changes: { endedAt: at, lostCycles: 0, outcome: statusOutcome(seen.status), ...(byLimit ? { limitHit: 'memory' as const } : {}) } };
    case 'running': {
      if (t.stopRequested) return { action: 'kill', graceful: true, to: 'stopped', reason: 'stopped on request', changes: { endedAt: at } };
      const started = t.startedAt ?? t.placedAt;
      if (def?.timeoutMs !== undefined && started && now.getTime() - Date.parse(started) > def.timeoutMs) {
        return {
          action: 'kill',
          graceful: false,
          to: 'fetching',
          reason: `past its timeout of ${formatDuration(def.timeoutMs)}: tree killed`,
          changes: { endedAt: at, outcome: { kind: 'timeout', afterMs: def.timeoutMs, killed: 0 } },
        };
      }
      if (t.state === 'running') return { action: 'none', changes: { lostCycles: 0 } };
      return { action: 'move', to: 'running', reason: `running${back}`, changes: { startedAt: t.startedAt ?? at, lostCycles: 0 } };
    }
    case 'vanished':
      return {
        action: 'move',
        to: 'fetching',
        reason: 'its wrapper is gone without a status (killed outside lwt, or the host restarted)',
        changes: { endedAt: at, outcome: { kind: 'lost', message: 'the task ended without a status on its host' } },
      };
    case 'starting':
      if (t.placedAt && now.getTime() - Date.parse(t.placedAt) > START_GRACE_MS) {
        return { action: 'move', to: 'fetching', reason: 'never wrote its pid: the start failed', changes: { endedAt: at, outcome: { kind: 'failed', message: 'the task wrapper did not start' } } };
      }
      return { action: 'none' };
    case 'absent':
      if (t.state === 'placed') return { action: 'start' };
      return { action: 'move', to: 'failed', reason: 'its folder on the host is gone', changes: { endedAt: at, outcome: { kind: 'lost', message: 'the task folder disappeared from its host' } } };
  }
}

/** The host did not answer this cycle. */
export function decideUnreachable(t: TaskInstance, why: string, now: Date, rule: LostRule): Decision {
  const cycles = (t.lostCycles ?? 0) + 1;
  const since = t.lostSince ?? now.toISOString();
  if (cycles >= rule.afterCycles || now.getTime() - Date.parse(since) >= rule.afterMs) {
    return { action: 'reassign', reason: `host ${t.host} did not answer for ${cycles} cycle${cycles === 1 ? '' : 's'} (${why}): placed elsewhere` };
  }
  const changes = { lostCycles: cycles, lostSince: since };
  if (t.state === 'lost') return { action: 'none', changes };
  return { action: 'move', to: 'lost', reason: `host did not answer: ${why}`, changes };
}

/** After the results came back: done, failed, or again (retries, respawn). */
export function decideAfterFetch(t: TaskInstance, def: TaskDefinition | undefined, now: Date): Decision {
  const o: Outcome = t.outcome ?? { kind: 'failed', message: 'no outcome recorded' };
  const ok = isSuccess(o);
  if (def && (def.respawn === 'always' || (def.respawn === 'on-failure' && !ok))) {
    const recent = (t.respawns ?? []).filter((r) => now.getTime() - Date.parse(r) < 3_600_000);
    if (recent.length < MAX_RESPAWNS_PER_HOUR) {
      const delay = Math.min(600_000, 5_000 * 2 ** recent.length);
      return {
        action: 'move',
        to: ok ? 'done' : 'failed',
        reason: `${ok ? 'ended' : 'failed'}; respawn in ${formatDuration(delay)} (${recent.length + 1} in the last hour)`,
        changes: { respawnAt: new Date(now.getTime() + delay).toISOString(), respawns: [...recent, now.toISOString()] },
      };
    }
    return { action: 'move', to: 'failed', reason: `respawned ${recent.length} times in the last hour: not again` };
  }
  if (ok) return { action: 'move', to: 'done', reason: 'results fetched' };
  const why = t.limitHit === 'memory' ? `killed by its memory limit${t.limitsBy ? ` (${t.limitsBy})` : ''}; ` : '';
  if (def && t.attempt <= def.retries) {
    // The core's retry schedule (1 s, 3 s, then 10 s, with jitter): a host that just failed gets a moment.
    const delay = retryDelayMs({ limit: def.retries }, t.attempt);
    return {
      action: 'move',
      to: 'failed',
      reason: `${why}attempt ${t.attempt} failed; retry ${t.attempt} of ${def.retries} in ${formatDuration(delay)}`,
      changes: { retryAt: new Date(now.getTime() + delay).toISOString() },
    };
  }
  return { action: 'move', to: 'failed', reason: `${why}results fetched` };
}

export const MAX_RESPAWNS_PER_HOUR = 10;
