/**
 * Retries of connections an sshd turned away before its banner (MaxStartups full: it takes
 * only so many unauthenticated connections at once, and drops the rest at random past its
 * start). The host is alive and will take us shortly, so a refusal there is not a verdict:
 * pause with jitter (the core's retry policy, so hosts dropped together do not return
 * together) and try again, for as long as the host's budget lasts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { retryDelayMs, type RetryPolicy } from '../core/retry.js';
import { fail, type ConnectResult } from './connect-result.js';

/** Short first pauses (a MaxStartups burst clears in tens of ms), then every 2 s; ±50 %. */
export const THROTTLED_RETRY: Omit<RetryPolicy, 'limit'> = { firstDelaysMs: [100, 250, 500, 1000], everyMs: 2000, jitter: 0.5 };

/** How long a throttled host keeps being retried: a minute, or three connect deadlines if longer. */
export function throttledBudgetMs(connectTimeoutMs: number): number {
  return Math.max(60_000, 3 * connectTimeoutMs);
}

export interface ThrottleOptions {
  budgetMs: number;
  signal?: AbortSignal | undefined;
  /** Told before each pause (for the log). */
  onRetry?: (tries: number, delayMs: number, last: Extract<ConnectResult, { ok: false }>) => void;
  /** Injectable for tests. */
  now?: () => number;
  pause?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  random?: () => number;
}

const abortablePause = (ms: number, signal: AbortSignal | undefined): Promise<void> => sleep(ms, undefined, signal ? { signal } : {});

/** Run `attempt` until it is not `throttled`, the budget is spent, or `signal` aborts. */
export async function retryThrottled(attempt: () => Promise<ConnectResult>, opts: ThrottleOptions): Promise<ConnectResult> {
  const now = opts.now ?? Date.now;
  const pause = opts.pause ?? abortablePause;
  const started = now();
  for (let tries = 1; ; tries++) {
    const r = await attempt();
    if (r.ok || r.outcome.reason !== 'throttled' || opts.signal?.aborted) return r;
    const delayMs = retryDelayMs({ ...THROTTLED_RETRY, limit: 0 }, tries, opts.random);
    const spent = now() - started;
    if (spent + delayMs > opts.budgetMs) {
      return fail('throttled', `${r.outcome.message} (${tries} tr${tries === 1 ? 'y' : 'ies'} in ${Math.round(spent / 1000)} s)`);
    }
    opts.onRetry?.(tries, delayMs, r);
    try {
      await pause(delayMs, opts.signal);
    } catch {
      return r; // cancelled while pausing: the last refusal stands
    }
  }
}
