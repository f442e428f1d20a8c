import pLimit from 'p-limit';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { isKillReason, killedOutcome, reasonOf, type KillReason } from './kill-reason.js';
import type { Outcome } from './outcome.js';
import { retryDelayMs, type RetryPolicy } from './retry.js';

/** What a worker sees of the pool: its abort signal (deadline or operator cancel) and which try this is. */
export interface JobContext {
  index: number;
  attempt: number;
  signal: AbortSignal;
}

/** Workers return at least an outcome; the rest (output, bytes sent) rides along. */
export interface WorkerResult {
  outcome: Outcome;
  /** The work had ended on its own when the abort reached it: its outcome stands (kill-reason.ts afterKill). */
  endedBeforeKill?: true;
}

export interface Settled<T, R extends WorkerResult> {
  item: T;
  /** 0-based position in the input. */
  index: number;
  /** The final outcome: the worker's, unless we killed the job, then our reason's. */
  outcome: Outcome;
  /** The last attempt's full result; absent when the job never started. */
  result?: R;
  attempts: number;
  startedAt?: number;
  durationMs: number;
}

export interface PoolOptions<T, R extends WorkerResult> {
  /** Jobs running at once. */
  concurrency: number;
  /** Deadline per attempt, from its start (not from when it was queued). */
  timeoutMs?: number;
  /** Operator cancel: running jobs are killed, queued ones settle as cancelled. */
  signal?: AbortSignal;
  retry?: RetryPolicy & { shouldRetry: (result: R, item: T) => boolean };
  /**
   * How long a worker may take to settle after it was told to stop, before the pool
   * settles the job without it. Bounds a run's wall time even if a kill hangs.
   * @default 10000
   */
  abortGraceMs?: number;
  onStart?: (item: T, index: number, attempt: number) => void;
  /**
   * An attempt ended, told while it still holds its slot: a listener counting what runs
   * never sees more than `concurrency` (the next job starts only after this).
   */
  onAttemptEnd?: (item: T, index: number, attempt: number) => void;
  /** An attempt ended and the next one starts after `delayMs` (outside the slot). */
  onRetry?: (item: T, index: number, attempt: number, result: R, delayMs: number) => void;
  onSettled?: (settled: Settled<T, R>) => void;
  /** Keep every settled job for the return value. Off for endless streams (dispatch): constant memory. @default true */
  keepSettled?: boolean;
  /** Called when a worker did not settle within abortGraceMs after its abort. */
  onAbandoned?: (item: T, index: number) => void;
}

export interface PoolRun<T, R extends WorkerResult> {
  /** Settled jobs in input order (empty with keepSettled: false). */
  settled: Settled<T, R>[];
  cancelled: boolean;
}

type Worker<T, R> = (item: T, ctx: JobContext) => Promise<R>;

/**
 * Run `worker` over `items` with at most `concurrency` at once. Every item settles exactly
 * once, whatever happens: deadline, cancel, a worker that throws (an 'internal' outcome), or a
 * worker that hangs after being told to stop. Items may be an async stream (dispatch): the
 * pool reads ahead only as far as it has free slots.
 */
export async function runPool<T, R extends WorkerResult>(
  items: Iterable<T> | AsyncIterable<T>,
  worker: Worker<T, R>,
  opts: PoolOptions<T, R>,
): Promise<PoolRun<T, R>> {
  const limit = pLimit(Math.max(1, Math.floor(opts.concurrency)));
  const cancel = opts.signal;
  // Every running job listens on the operator's cancel signal: hundreds at once is expected.
  if (cancel) setMaxListeners(0, cancel);
  const settled: Settled<T, R>[] = [];
  const running = new Set<Promise<void>>();
  // Woken when a job ends. Not Promise.race(running): each race adds a reaction to every
  // running job that stays until that job ends, garbage that a long stream promotes by the MB.
  let wake: (() => void) | undefined;
  let index = 0;

  const settle = (s: Settled<T, R>): void => {
    if (opts.keepSettled !== false) settled[s.index] = s;
    opts.onSettled?.(s);
  };

  for await (const item of items) {
    const i = index++;
    if (cancel?.aborted) {
      settle({ item, index: i, outcome: killedOutcome(reasonOf(cancel), 0, false), attempts: 0, durationMs: 0 });
      continue;
    }
    const job = runJob(item, i, worker, limit, opts).then(settle);
    running.add(job);
    void job.finally(() => {
      running.delete(job);
      wake?.();
    });
    // Read ahead no further than one queue's worth: a stream of jobs may never end.
    while (running.size >= limit.concurrency * 2) await new Promise<void>((resolve) => (wake = resolve));
  }
  await Promise.all(running);
  return { settled, cancelled: cancel?.aborted ?? false };
}

async function runJob<T, R extends WorkerResult>(
  item: T,
  index: number,
  worker: Worker<T, R>,
  limit: ReturnType<typeof pLimit>,
  opts: PoolOptions<T, R>,
): Promise<Settled<T, R>> {
  const cancel = opts.signal;
  let attempt = 0;
  for (;;) {
    attempt++;
    const s = await limit(async () => {
      const done = await runAttempt(item, index, attempt, worker, opts);
      if (done.attempts === attempt) opts.onAttemptEnd?.(item, index, attempt);
      return done;
    });
    const retry = opts.retry;
    if (!s.result || !retry || attempt > retry.limit || cancel?.aborted) return s;
    if (isKillReason(s.outcome) || !retry.shouldRetry(s.result, item)) return s;
    const delayMs = retryDelayMs(retry, attempt);
    opts.onRetry?.(item, index, attempt, s.result, delayMs);
    // Wait outside the concurrency slot so that other hosts use it meanwhile.
    try {
      await sleep(delayMs, undefined, cancel ? { signal: cancel } : {});
    } catch {
      return s; // cancelled while waiting: the last attempt's outcome stands
    }
  }
}

async function runAttempt<T, R extends WorkerResult>(
  item: T,
  index: number,
  attempt: number,
  worker: Worker<T, R>,
  opts: PoolOptions<T, R>,
): Promise<Settled<T, R>> {
  const cancel = opts.signal;
  if (cancel?.aborted) {
    return { item, index, outcome: killedOutcome(reasonOf(cancel), 0, false), attempts: attempt - 1, durationMs: 0 };
  }
  const ctl = new AbortController();
  const startedAt = Date.now();
  const stop = (reason: KillReason): void => {
    if (!ctl.signal.aborted) ctl.abort(reason);
  };
  // The cancel reaches the job a turn of the event loop later: a job whose end was being handled
  // when the cancel came (the closed pipe of `lwt … | head -1` is noticed in the same turn as the
  // output that found it closed) has answered by then, and keeps its own status.
  const onCancel = (): void => void setImmediate(() => stop(reasonOf(cancel!)));
  cancel?.addEventListener('abort', onCancel, { once: true });
  const deadline =
    opts.timeoutMs !== undefined && opts.timeoutMs > 0
      ? setTimeout(() => stop({ kind: 'timeout', afterMs: opts.timeoutMs! }), opts.timeoutMs)
      : undefined;
  opts.onStart?.(item, index, attempt);

  // Whether the abort had come when the worker answered: a job that ended before it keeps its status.
  const work = worker(item, { index, attempt, signal: ctl.signal }).then(
    (result) => ({ result, afterAbort: ctl.signal.aborted }),
    (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }),
  );
  let grace: NodeJS.Timeout | undefined;
  const abandoned = new Promise<'abandoned'>((resolve) => {
    ctl.signal.addEventListener(
      'abort',
      () => (grace = setTimeout(() => resolve('abandoned'), opts.abortGraceMs ?? 10_000)),
      { once: true },
    );
  });
  const done = await Promise.race([work, abandoned]);
  clearTimeout(deadline);
  clearTimeout(grace);
  cancel?.removeEventListener('abort', onCancel);
  const durationMs = Date.now() - startedAt;
  const base = { item, index, attempts: attempt, startedAt, durationMs };

  if (done === 'abandoned') {
    opts.onAbandoned?.(item, index);
    return { ...base, outcome: killedOutcome(reasonOf(ctl.signal), 0) };
  }
  if ('error' in done) {
    return { ...base, outcome: { kind: 'internal', message: done.error } };
  }
  const result = done.result;
  let outcome = result.outcome;
  // Our reason wins: a job we killed is reported as killed whatever its worker said. Not so for
  // a job that had ended before the abort (it answered first, or says it ended on its own).
  if (done.afterAbort && result.endedBeforeKill !== true && outcome.kind !== 'timeout' && outcome.kind !== 'cancelled') {
    outcome = killedOutcome(reasonOf(ctl.signal), 0);
  }
  return { ...base, outcome, result };
}
