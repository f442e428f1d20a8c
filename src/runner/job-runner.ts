/**
 * The one runner under every verb: items in, a work function per item, events out, and a
 * RunSummary back. It owns what every verb needs the same way: bounded concurrency, the
 * per-attempt deadline, the operator's cancel, retries with backoff, and settling every item
 * exactly once (runPool). Hosts add connecting and closing on top (host-runner.ts).
 */
import { reasonOf } from '../core/kill-reason.js';
import type { Outcome } from '../core/outcome.js';
import { runPool, type JobContext } from '../core/pool.js';
import type { RetryPolicy } from '../core/retry.js';
import { RunEvents } from './events.js';
import type { JobResult, RunSummary } from './results.js';

/** What one item's work returns: an outcome, and what rides along. */
export interface JobWork<D = unknown> {
  outcome: Outcome;
  stdout?: string;
  stderr?: string;
  /** The exact bytes behind stdout/stderr, when they came from a process. */
  stdoutBytes?: Buffer;
  stderrBytes?: Buffer;
  /** Bytes the output cap dropped, per stream (capped-output.ts). */
  truncated?: { stdout: number; stderr: number };
  extra?: Record<string, unknown>;
  data?: D;
}

export interface JobRunContext extends JobContext {
  label: string;
  events: RunEvents;
}

export interface JobRunOptions<T, D> {
  items: Iterable<T> | AsyncIterable<T>;
  /** How results, events and summaries name an item. */
  label: (item: T, index: number) => string;
  /** The item's own command, when each has one (lwt run). */
  command?: (item: T) => string | undefined;
  work: (item: T, ctx: JobRunContext) => Promise<JobWork<D>>;
  concurrency: number;
  /** Deadline per attempt, from its start. */
  timeoutMs?: number;
  signal?: AbortSignal;
  events?: RunEvents;
  retry?: RetryPolicy & { shouldRetry: (work: JobWork<D>, item: T) => boolean };
  /** Total items when known (progress). */
  total?: number;
  abortGraceMs?: number;
  /** Keep each JobResult for the summary. Off for endless streams (dispatch): listeners see every result. @default true */
  keepResults?: boolean;
}

export async function runJobs<T, D = unknown>(opts: JobRunOptions<T, D>): Promise<RunSummary<D>> {
  const events = opts.events ?? new RunEvents();
  const results: JobResult<D>[] = [];
  const started = Date.now();
  const labels = new Map<number, string>();
  const labelOf = (item: T, index: number): string => {
    let l = labels.get(index);
    if (l === undefined) labels.set(index, (l = opts.label(item, index)));
    return l;
  };
  events.emit({ type: 'run-started', total: opts.total });
  const run = await runPool<T, JobWork<D>>(opts.items, (item, ctx) => opts.work(item, { ...ctx, label: labelOf(item, ctx.index), events }), {
    concurrency: opts.concurrency,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.retry ? { retry: opts.retry } : {}),
    ...(opts.abortGraceMs !== undefined ? { abortGraceMs: opts.abortGraceMs } : {}),
    keepSettled: opts.keepResults !== false,
    onStart: (item, index, attempt) => events.emit({ type: 'job-started', label: labelOf(item, index), index, attempt }),
    onAttemptEnd: (item, index, attempt) => events.emit({ type: 'job-attempt-ended', label: labelOf(item, index), index, attempt }),
    onRetry: (item, index, attempt, work, delayMs) =>
      events.emit({ type: 'job-retrying', label: labelOf(item, index), attempt, outcome: work.outcome, delayMs }),
    onSettled: (s) => {
      const command = opts.command?.(s.item);
      const result: JobResult<D> = {
        label: labelOf(s.item, s.index),
        ...(command !== undefined ? { command } : {}),
        outcome: s.outcome,
        durationMs: s.durationMs,
        attempts: s.attempts,
        stdout: s.result?.stdout ?? '',
        stderr: s.result?.stderr ?? '',
        ...(s.result?.stdoutBytes ? { stdoutBytes: s.result.stdoutBytes } : {}),
        ...(s.result?.stderrBytes ? { stderrBytes: s.result.stderrBytes } : {}),
        ...(s.result?.truncated && s.result.truncated.stdout + s.result.truncated.stderr > 0 ? { truncated: s.result.truncated } : {}),
        ...(s.result?.extra ? { extra: s.result.extra } : {}),
        ...(s.result?.data !== undefined ? { data: s.result.data } : {}),
      };
      labels.delete(s.index);
      if (opts.keepResults !== false) results[s.index] = result;
      events.emit({ type: 'job-settled', index: s.index, result });
    },
  });
  const reason = run.cancelled && opts.signal ? reasonOf(opts.signal) : undefined;
  const summary: RunSummary<D> = {
    results: results.filter((r): r is JobResult<D> => r !== undefined),
    wallMs: Date.now() - started,
    cancelled: run.cancelled,
    ...(reason?.kind === 'cancelled' && reason.signal ? { interrupted: reason.signal } : {}),
  };
  events.emit({ type: 'run-ended', summary });
  return summary;
}
