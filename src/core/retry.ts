/**
 * When to try a job again. Delays: first the listed ones in order, then `everyMs` for each
 * further try, up to `limit` retries. Jitter spreads retries of many hosts that failed
 * together (a switch reboot) so they do not return in lockstep.
 */
export interface RetryPolicy {
  /** Retries after the first attempt. 0 disables retrying. @default 0 */
  limit: number;
  /** Delays before the first retries, in order. @default [1000, 3000] */
  firstDelaysMs?: number[];
  /** Delay before every retry after the listed ones. @default 10000 */
  everyMs?: number;
  /** Random spread as a fraction of the delay: 0.2 means ±20 %. @default 0.2 */
  jitter?: number;
}

/** Delay before retry number `retry` (1-based). `random` is injectable for tests. */
export function retryDelayMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const first = policy.firstDelaysMs ?? [1000, 3000];
  const base = retry <= first.length ? first[retry - 1]! : (policy.everyMs ?? 10_000);
  const jitter = Math.min(Math.max(policy.jitter ?? 0.2, 0), 1);
  const spread = base * jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(base + spread));
}
