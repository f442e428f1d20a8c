import { runLocalProcess } from '../core/local-process.js';
import { runPool } from '../core/pool.js';
import { EXIT, runExitStatus } from '../core/outcome.js';
import { jsonLine, type JobRecord } from '../output/job-record.js';
import { LivePrefixer } from '../output/live-lines.js';
import { Progress } from '../output/progress.js';
import type { Screen } from '../output/screen.js';
import { formatSummary } from '../output/summary.js';
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
  const { screen } = opts;
  const live = opts.json ? undefined : new LivePrefixer(screen);
  const progress = opts.json ? undefined : new Progress(screen, opts.jobs.length, 'job');
  const started = Date.now();
  const records: JobRecord[] = [];

  const run = await runPool(
    opts.jobs,
    (job, ctx) =>
      runLocalProcess({
        command: job.command,
        signal: ctx.signal,
        outputCapBytes: opts.outputCapBytes,
        ...(live ? { onOutput: (stream, chunk) => live.push(String(ctx.index + 1), stream, chunk) } : {}),
      }),
    {
      concurrency: opts.concurrency,
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      signal: opts.signal,
      onStart: () => progress?.jobStarted(),
      onSettled: (s) => {
        const label = String(s.index + 1);
        live?.flush(label);
        const record: JobRecord = {
          label,
          command: s.item.command,
          outcome: s.outcome,
          durationMs: s.durationMs,
          stdout: s.result?.stdout ?? '',
          stderr: s.result?.stderr ?? '',
        };
        records[s.index] = record;
        progress?.settled(s.outcome, s.attempts > 0);
        if (opts.json) screen.out(jsonLine({ job: s.index + 1 }, record));
      },
    },
  );
  progress?.stop();
  const wallMs = Date.now() - started;
  const done = records.filter((r): r is JobRecord => r !== undefined);
  const status = run.cancelled ? EXIT.sigint : runExitStatus(done.map((r) => r.outcome));
  if (opts.json) {
    screen.out(JSON.stringify({ summary: summaryJson(done, wallMs, status) }) + '\n');
  } else {
    screen.err(formatSummary(done, { noun: 'job', wallMs, detailed: true }));
  }
  return { records: done, wallMs, exitStatus: status };
}

export function summaryJson(records: readonly JobRecord[], wallMs: number, exitStatus: number): Record<string, unknown> {
  const counts: Record<string, number> = {};
  for (const r of records) counts[r.outcome.kind] = (counts[r.outcome.kind] ?? 0) + 1;
  const failed = records.filter((r) => !(r.outcome.kind === 'exited' && r.outcome.code === 0)).map((r) => r.label);
  return { total: records.length, counts, failed, wallMs, exitStatus };
}
