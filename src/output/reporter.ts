import { failedLabels, outcomeCounts } from '../runner/results.js';
import type { RunEvent, RunEvents } from '../runner/events.js';
import type { RunSummary } from '../runner/results.js';
import { formatGathered } from './gather.js';
import { jsonLine } from './json-line.js';
import type { JobResult } from '../runner/results.js';
import { LivePrefixer } from './live-lines.js';
import { Progress } from './progress.js';
import type { Screen } from './screen.js';
import { formatSummary } from './summary.js';
import { PLAIN, type TextStyle } from './text-style.js';

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
  jsonId: (r: JobResult) => Record<string, string | number>;
  foldLabels?: (labels: string[]) => string;
  /** Failed jobs one per line with their command (lwt run). */
  detailed?: boolean;
  /** Print each result's stdout/stderr as live lines when it settles (transfers). */
  echoResultOutput?: boolean;
  /** Fields every JSON line has, a result's own extra over them (a transfer's counts, 0 when nothing moved). */
  jsonDefaults?: Record<string, unknown>;
  /** Colour and control-character handling of stdout and stderr (plain by default). */
  styles?: { out: TextStyle; err: TextStyle };
  /**
   * -q: nothing on stderr when the run succeeded (exit status 0), the summary included, so that
   * a run from cron mails only its failures. Output on stdout is not touched.
   */
  quiet?: boolean;
}

/**
 * Every way a run shows its progress and results, as one listener of the run's events: live
 * prefixed lines, the progress line, JSON lines as jobs settle; the gathered output and the
 * summary once the CLI has the run's exit status (finish).
 */
export class Reporter {
  private readonly live: LivePrefixer | undefined;
  private readonly progress: Progress | undefined;

  constructor(private readonly opts: ReporterOptions) {
    this.live = opts.mode === 'live' ? new LivePrefixer(opts.screen, opts.styles) : undefined;
    this.progress = opts.mode === 'json' ? undefined : new Progress(opts.screen, opts.total, opts.noun);
  }

  /** Listen to a run. Live mode asks for output chunks. */
  attach(events: RunEvents): this {
    events.on((e) => this.on(e), { output: this.live !== undefined });
    return this;
  }

  private on(e: RunEvent): void {
    switch (e.type) {
      case 'output':
        this.live?.push(e.label, e.stream, e.chunk);
        break;
      case 'bytes':
        this.progress?.addBytes(e.bytes);
        break;
      case 'job-started':
        this.progress?.jobStarted();
        break;
      case 'job-attempt-ended':
        this.progress?.attemptEnded();
        break;
      case 'job-settled':
        this.settled(e.result);
        break;
      default:
        break;
    }
  }

  private settled(r: JobResult): void {
    // Output that arrives with the result rather than streamed (a transfer's plan and problems).
    if (this.opts.echoResultOutput && this.live) {
      if (r.stdout) this.live.push(r.label, 'stdout', Buffer.from(r.stdout));
      if (r.stderr) this.live.push(r.label, 'stderr', Buffer.from(r.stderr));
    }
    this.live?.flush(r.label);
    this.progress?.settled(r.outcome);
    if (this.opts.mode === 'json') {
      const line = this.opts.jsonDefaults ? { ...r, extra: { ...this.opts.jsonDefaults, ...r.extra } } : r;
      this.opts.screen.out(jsonLine(this.opts.jsonId(r), line));
    }
  }

  /**
   * The end of the run: gathered output (-b), then the summary and the line naming the run's
   * journal (`runId`), or the JSON summary line.
   */
  finish(summary: RunSummary, exitStatus: number, extraSummary = '', runId?: string): void {
    this.progress?.stop();
    const { screen } = this.opts;
    const results = summary.results;
    if (this.opts.mode === 'json') {
      screen.out(JSON.stringify({ summary: summaryJson(results, summary.wallMs, exitStatus) }) + '\n');
      return;
    }
    const styles = this.opts.styles ?? { out: PLAIN, err: PLAIN };
    if (this.opts.mode === 'gather') screen.out(formatGathered(results, this.opts.foldLabels ?? ((l) => l.join(',')), styles.out));
    if (this.opts.quiet && exitStatus === 0) return;
    if (extraSummary) screen.err(extraSummary);
    screen.err(
      formatSummary(results, {
        noun: this.opts.noun,
        wallMs: summary.wallMs,
        ...(this.opts.foldLabels ? { foldLabels: this.opts.foldLabels } : {}),
        ...(this.opts.detailed ? { detailed: true } : {}),
        style: styles.err,
      }),
    );
    if (runId !== undefined) screen.err(`run ${runId}: lwt log ${runId} [HOST]\n`);
  }
}

export function summaryJson(records: readonly JobResult[], wallMs: number, exitStatus: number): Record<string, unknown> {
  return { total: records.length, counts: outcomeCounts(records), failed: failedLabels(records), wallMs, exitStatus };
}
