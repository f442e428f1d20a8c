import { runLocalProcess } from '../core/local-process.js';
import type { RunEvents } from '../runner/events.js';
import { runJobs } from '../runner/job-runner.js';
import type { RunSummary } from '../runner/results.js';
import type { JobLine } from './job-file.js';

export interface RunLocalOptions {
  jobs: readonly JobLine[];
  concurrency: number;
  /** Per-job deadline; undefined or 0 for none. */
  timeoutMs?: number;
  outputCapBytes: number;
  signal?: AbortSignal;
  events?: RunEvents;
}

/** `lwt run`: local shell commands through the same runner as the host verbs. */
export function runLocal(opts: RunLocalOptions): Promise<RunSummary> {
  return runJobs({
    items: opts.jobs,
    total: opts.jobs.length,
    label: (_job, index) => String(index + 1),
    command: (job) => job.command,
    concurrency: opts.concurrency,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.events ? { events: opts.events } : {}),
    work: (job, ctx) =>
      runLocalProcess({
        command: job.command,
        signal: ctx.signal,
        outputCapBytes: opts.outputCapBytes,
        ...(ctx.events.wantsOutput ? { onOutput: (stream, chunk) => ctx.events.emit({ type: 'output', label: ctx.label, stream, chunk }) } : {}),
      }),
  });
}
