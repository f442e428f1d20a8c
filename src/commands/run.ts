import { runLocalProcess } from '../core/local-process.js';
import { Spawner, type SpawnerKind } from '../core/spawner.js';
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
  /** Spawners to try, in order (spawner.ts; default all); none: lwt forks every job itself. */
  spawners?: readonly SpawnerKind[];
}

/**
 * `lwt run`: local shell commands through the same runner as the host verbs. The jobs are
 * started by one small spawner process when python3 or perl is there (one fork of lwt's large
 * process per job cost more than the job itself for short ones), else by lwt itself.
 */
export async function runLocal(opts: RunLocalOptions): Promise<RunSummary> {
  const spawner = opts.jobs.length === 0 ? undefined : await Spawner.start(process.env, opts.spawners);
  try {
    return await runJobs({
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
          ...(spawner ? { spawner } : {}),
          ...(ctx.events.wantsOutput ? { onOutput: (stream, chunk) => ctx.events.emit({ type: 'output', label: ctx.label, stream, chunk }) } : {}),
        }),
    });
  } finally {
    await spawner?.close();
  }
}
