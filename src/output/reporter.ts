import type { StreamName } from '../core/local-process.js';
import { isSuccess } from '../core/outcome.js';
import { formatGathered } from './gather.js';
import { jsonLine, type JobRecord } from './job-record.js';
import { LivePrefixer } from './live-lines.js';
import { Progress } from './progress.js';
import type { Screen } from './screen.js';
import { formatSummary } from './summary.js';

/**
 * How results reach the operator:
 *   live    prefixed lines as they arrive, then the summary
 *   gather  nothing while running; identical outputs grouped at the end, then the summary
 *   json    one JSON object per job as it ends, then a {"summary": …} line
 */
export type OutputMode = 'live' | 'gather' | 'json';

export interface ReporterOptions {
  screen: Screen;
  mode: OutputMode;
  /** 'job' or 'host'. */
  noun: string;
  total?: number;
  /** Key of the id in JSON lines: { job: 3 } or { host: "web1" }. */
  jsonId: (r: JobRecord) => Record<string, string | number>;
  foldLabels?: (labels: string[]) => string;
  /** Failed jobs one per line with their command (lwt run). */
  detailed?: boolean;
}

/** One object for every way a run shows its progress and results; commands only feed it. */
export class Reporter {
  private readonly live: LivePrefixer | undefined;
  private readonly progress: Progress | undefined;

  constructor(private readonly opts: ReporterOptions) {
    this.live = opts.mode === 'live' ? new LivePrefixer(opts.screen) : undefined;
    this.progress = opts.mode === 'json' ? undefined : new Progress(opts.screen, opts.total, opts.noun);
  }

  output(label: string, stream: StreamName, chunk: Buffer): void {
    this.live?.push(label, stream, chunk);
  }

  /** Whether live output is wanted (so callers can skip the per-chunk callback). */
  get wantsOutput(): boolean {
    return this.live !== undefined;
  }

  /** Bytes moved by a transfer, for the progress line. */
  bytes(n: number): void {
    this.progress?.addBytes(n);
  }

  started(): void {
    this.progress?.jobStarted();
  }

  settled(r: JobRecord, wasStarted: boolean): void {
    this.live?.flush(r.label);
    this.progress?.settled(r.outcome, wasStarted);
    if (this.opts.mode === 'json') this.opts.screen.out(jsonLine(this.opts.jsonId(r), r));
  }

  finish(records: readonly JobRecord[], wallMs: number, exitStatus: number): void {
    this.progress?.stop();
    const { screen } = this.opts;
    if (this.opts.mode === 'json') {
      screen.out(JSON.stringify({ summary: summaryJson(records, wallMs, exitStatus) }) + '\n');
      return;
    }
    if (this.opts.mode === 'gather') screen.out(formatGathered(records, this.opts.foldLabels ?? ((l) => l.join(','))));
    screen.err(
      formatSummary(records, {
        noun: this.opts.noun,
        wallMs,
        ...(this.opts.foldLabels ? { foldLabels: this.opts.foldLabels } : {}),
        ...(this.opts.detailed ? { detailed: true } : {}),
      }),
    );
  }
}

export function outcomeCounts(records: readonly JobRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of records) counts[r.outcome.kind] = (counts[r.outcome.kind] ?? 0) + 1;
  return counts;
}

export function summaryJson(records: readonly JobRecord[], wallMs: number, exitStatus: number): Record<string, unknown> {
  const failed = records.filter((r) => !isSuccess(r.outcome)).map((r) => r.label);
  return { total: records.length, counts: outcomeCounts(records), failed, wallMs, exitStatus };
}
