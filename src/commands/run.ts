import { runLocalProcess } from '../core/local-process.js';
import { runPool } from '../core/pool.js';
import { EXIT, runExitStatus } from '../core/outcome.js';
import type { JobRecord } from '../output/job-record.js';
import { Reporter } from '../output/reporter.js';
import type { Screen } from '../output/screen.js';
import type { JobLine } from './job-file.js';

export interface RunJobsOptions {
  jobs: JobLine[];
  concurrency: number;
  /** Per-job deadline; undefined or 0 for none. */
  timeoutMs?: number;
  outputCapBytes: number;
  json: boolean;
  /** Operator interrupt. */
  signal: AbortSignal;
  screen: Screen;
}

export interface RunJobsResult {
  records: JobRecord[];
  wallMs: number;
  exitStatus: number;
}

/** `lwt run`: local shell commands through the core, live or as JSON lines, then a summary. */
export async function runJobs(opts: RunJobsOptions): Promise<RunJobsResult> {
  const reporter = new Reporter({
    screen: opts.screen,
    mode: opts.json ? 'json' : 'live',
    noun: 'job',
    total: opts.jobs.length,
    jsonId: (r) => ({ job: Number(r.label) }),
    detailed: true,
  });
  const started = Date.now();
  const records: JobRecord[] = [];

  const run = await runPool(
    opts.jobs,
    (job, ctx) =>
      runLocalProcess({
        command: job.command,
        signal: ctx.signal,
        outputCapBytes: opts.outputCapBytes,
        ...(reporter.wantsOutput ? { onOutput: (stream, chunk) => reporter.output(String(ctx.index + 1), stream, chunk) } : {}),
      }),
    {
      concurrency: opts.concurrency,
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      signal: opts.signal,
      onStart: () => reporter.started(),
      onSettled: (s) => {
        const record: JobRecord = {
          label: String(s.index + 1),
          command: s.item.command,
          outcome: s.outcome,
          durationMs: s.durationMs,
          stdout: s.result?.stdout ?? '',
          stderr: s.result?.stderr ?? '',
        };
        records[s.index] = record;
        reporter.settled(record, s.attempts > 0);
      },
    },
  );
  const wallMs = Date.now() - started;
  const done = records.filter((r): r is JobRecord => r !== undefined);
  const exitStatus = run.cancelled ? EXIT.sigint : runExitStatus(done.map((r) => r.outcome));
  reporter.finish(done, wallMs, exitStatus);
  return { records: done, wallMs, exitStatus };
}
