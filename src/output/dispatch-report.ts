/**
 * What dispatch tells, as listeners on its events: each finished line once on stdout (the
 * line itself, or the job's output, or the output tagged with its line), each failed line once
 * on stderr and in --failed, the joblog, --results folders, host notes, and the summary.
 *
 * A line's joblog entry is written before it is reported: lwt killed between the two loses a
 * report, never runs the line twice on --resume. Bytes are written as they came (a line that
 * is not UTF-8 is reported byte for byte).
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DispatchSummary, LineData } from '../commands/dispatch.js';
import { describeOutcome, formatMs, isSuccess } from '../core/outcome.js';
import type { JoblogWriter } from '../dispatch/joblog.js';
import { Reorder } from '../dispatch/reorder.js';
import type { RunEvents } from '../runner/events.js';
import { outputBytes, type JobResult } from '../runner/results.js';

export type StdoutMode = 'lines' | 'output' | 'tag';

export interface DispatchReportOptions {
  stdout: NodeJS.WritableStream & { writableNeedDrain?: boolean; destroyed?: boolean };
  err: (text: string | Uint8Array) => void;
  mode: StdoutMode;
  joblog?: JoblogWriter;
  /** --failed FILE: `line TAB host TAB outcome` per failed line. */
  failedFile?: string;
  resultsDir?: string;
  keepOrder?: number;
  quiet: boolean;
}

const NL = Buffer.from('\n');
const TAB = Buffer.from('\t');

export class DispatchReport {
  private readonly reorder: Reorder | undefined;
  private failedFd: number | undefined;

  constructor(private readonly o: DispatchReportOptions) {
    this.reorder = o.keepOrder ? new Reorder(o.keepOrder) : undefined;
    if (o.failedFile) this.failedFd = openSync(o.failedFile, 'a', 0o600);
    if (o.resultsDir) mkdirSync(o.resultsDir, { recursive: true, mode: 0o700 });
  }

  attach(events: RunEvents): void {
    events.on((e) => {
      if (e.type === 'job-settled') this.settled(e.result as JobResult<LineData>);
      else if (e.type === 'host-state' && !this.o.quiet && e.state !== 'connecting') {
        const what = e.state === 'up' ? 'up: taking work' : e.state === 'down' ? 'down: its lines go to other slots; trying again' : 'given up for this run';
        this.o.err(`lwt dispatch: ${e.host} ${what}${e.why ? ` (${e.why})` : ''}\n`);
      }
    });
  }

  /** A line passed over by --resume: it does not hold --keep-order's queue. */
  skipped(seq: number): void {
    this.reorder?.skip(seq);
  }

  /** Awaited before each line is read: stdout back-pressure and the reorder window. */
  async gate(signal?: AbortSignal): Promise<void> {
    const out = this.o.stdout;
    if (out.writableNeedDrain && !out.destroyed && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        out.once('drain', resolve);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    await this.reorder?.room(signal);
  }

  private settled(r: JobResult<LineData>): void {
    const d = r.data;
    if (!d) return;
    const o = r.outcome;
    if (o.kind === 'cancelled') {
      this.reorder?.skip(d.seq); // not done: --resume runs it again
      return;
    }
    const received = outputBytes(r, 'stdout').length + outputBytes(r, 'stderr').length;
    this.o.joblog?.append({ seq: d.seq, host: d.host || '-', startMs: d.startMs, runtimeMs: r.durationMs, outcome: o, received, command: d.command });
    if (this.o.resultsDir) this.writeResults(d, r);
    const emit = (): void => (isSuccess(o) ? this.reportDone(d, r) : this.reportFailed(d, r));
    if (this.reorder) this.reorder.add(d.seq, emit);
    else emit();
  }

  private reportDone(d: LineData, r: JobResult<LineData>): void {
    this.passStderr(d, r);
    const out = this.o.stdout;
    if (out.destroyed) return;
    if (this.o.mode === 'lines') out.write(Buffer.concat([d.line, NL]));
    else if (this.o.mode === 'output') out.write(outputBytes(r, 'stdout'));
    else {
      const text = outputBytes(r, 'stdout');
      const lines = splitLines(text);
      if (lines.length) out.write(Buffer.concat(lines.flatMap((l) => [d.line, TAB, l, NL])));
    }
  }

  /**
   * A job's stderr goes to ours, whatever stdout gets (as GNU parallel and xargs do): it is
   * what tells why a line failed. With --tag each line is prefixed like stdout's.
   */
  private passStderr(d: LineData, r: JobResult<LineData>): void {
    const text = outputBytes(r, 'stderr');
    if (text.length === 0) return;
    if (this.o.mode === 'tag') this.o.err(Buffer.concat(splitLines(text).flatMap((l) => [d.line, TAB, l, NL])));
    else this.o.err(text.at(-1) === 10 ? text : Buffer.concat([text, NL]));
  }

  private reportFailed(d: LineData, r: JobResult<LineData>): void {
    this.passStderr(d, r);
    const what = describeOutcome(r.outcome);
    const where = d.host === ':' ? 'locally' : d.host ? `on ${d.host}` : 'nowhere';
    this.o.err(`lwt dispatch: line ${d.seq} failed ${where}: ${what}\n`);
    if (this.failedFd !== undefined) writeSync(this.failedFd, Buffer.concat([d.line, TAB, Buffer.from(`${d.host || '-'}\t${what.replace(/[\t\n]/g, ' ')}\n`)]));
  }

  /** DIR/<seq>/{line,stdout,stderr}, made aside and renamed into place whole. */
  private writeResults(d: LineData, r: JobResult<LineData>): void {
    const dir = this.o.resultsDir!;
    const tmp = join(dir, `.${d.seq}.tmp`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { mode: 0o700 });
    writeFileSync(join(tmp, 'line'), d.line, { mode: 0o600 });
    writeFileSync(join(tmp, 'stdout'), outputBytes(r, 'stdout'), { mode: 0o600 });
    writeFileSync(join(tmp, 'stderr'), outputBytes(r, 'stderr'), { mode: 0o600 });
    writeFileSync(join(tmp, 'outcome'), `${isSuccess(r.outcome) ? 'ok' : describeOutcome(r.outcome)}\n`, { mode: 0o600 });
    rmSync(join(dir, String(d.seq)), { recursive: true, force: true });
    renameSync(tmp, join(dir, String(d.seq)));
  }

  finish(s: DispatchSummary): void {
    if (this.failedFd !== undefined) closeSync(this.failedFd);
    this.failedFd = undefined;
    this.o.joblog?.close();
    if (this.o.quiet) return;
    const parts = [`${s.done} done`, `${s.failed} failed`];
    if (s.notDone) parts.push(`${s.notDone} not run (interrupted: --resume runs them)`);
    const extra = [`${s.requeued} requeued`, `${s.restarts} worker restarts`];
    this.o.err(`lwt dispatch: ${parts.join(', ')}; ${extra.join(', ')}; ${formatMs(s.wallMs)}\n`);
  }
}

function splitLines(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  let nl: number;
  while ((nl = b.indexOf(10, start)) >= 0) {
    out.push(b.subarray(start, nl));
    start = nl + 1;
  }
  if (start < b.length) out.push(b.subarray(start));
  return out;
}
