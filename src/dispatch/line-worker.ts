/**
 * The worker protocol of dispatch's --worker mode (the seed design's): one long-lived process
 * per slot reads lines on stdin and writes each line back on stdout when it has finished it.
 * A worker that exits with a line outstanding crashed on it: the caller requeues the line (and
 * counts the crash against it), and the next line starts a fresh worker after a backoff that
 * grows while the slot keeps crashing. Other stdout lines are the job's own output.
 *
 * The process itself (local, or a channel on the host's connection) comes from `start`, so
 * the same protocol runs on both; killing it kills its tree (local-process / remote-exec).
 */
import { killedOutcome, reasonOf } from '../core/kill-reason.js';
import type { Outcome } from '../core/outcome.js';
import { SlotProcess, type StartWorker } from './slot-process.js';

export type LineResult =
  | { kind: 'done'; output: Buffer }
  /** The worker ended before writing the line back; `outcome` is how it ended. */
  | { kind: 'ended'; outcome: Outcome; output: Buffer };

/** Output kept per line beyond the protocol's echo. */
const OUTPUT_CAP = 64 * 1024;

export class LineWorker {
  private proc: SlotProcess | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private pending: { line: Buffer; output: Buffer[]; size: number; resolve: (r: LineResult) => void } | undefined;
  /** Crashes of this slot since its last finished line: the restart backoff grows with them. */
  private crashesInRow = 0;
  private started = 0;

  constructor(
    private readonly start: StartWorker,
    private readonly backoffMs: (crashesInRow: number) => number = defaultRestartBackoffMs,
  ) {}

  /** Workers started after the first. */
  get restarts(): number {
    return Math.max(0, this.started - 1);
  }

  /** Hand `line` to the worker (starting one if none runs) and wait until it is written back or the worker ends. */
  async run(line: Buffer, signal: AbortSignal): Promise<LineResult> {
    if (!this.proc) {
      if (this.crashesInRow > 0) await sleepUnlessAborted(this.backoffMs(this.crashesInRow), signal);
      if (signal.aborted) return { kind: 'ended', outcome: killedOutcome(reasonOf(signal), 0, false), output: Buffer.alloc(0) };
      this.spawn();
    }
    const proc = this.proc!;
    const onAbort = (): void => proc.kill(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await new Promise<LineResult>((resolve) => {
        this.pending = { line, output: [], size: 0, resolve };
        proc.write(Buffer.concat([line, Buffer.from('\n')]));
      });
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** End the worker: EOF on its stdin, then its tree killed if it has not left after `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    await this.proc?.stop(graceMs);
  }

  private spawn(): void {
    this.started++;
    this.buf = Buffer.alloc(0);
    const proc: SlotProcess = new SlotProcess(this.start, (chunk) => {
      if (this.proc === proc) this.onStdout(chunk);
    });
    this.proc = proc;
    void proc.ended.then((r) => {
      if (this.proc === proc) this.proc = undefined;
      const p = this.pending;
      this.pending = undefined;
      // A worker that ends on its own (with or without a line) crashed; one we stopped did not.
      if (!proc.signal.aborted || p) this.crashesInRow++;
      p?.resolve({ kind: 'ended', outcome: r.outcome, output: Buffer.concat(p.output) });
    });
  }

  private onStdout(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let nl: number;
    while ((nl = this.buf.indexOf(10)) >= 0) {
      const line = this.buf.subarray(0, nl);
      this.buf = this.buf.subarray(nl + 1);
      const p = this.pending;
      if (!p) continue; // output between lines belongs to no job
      if (line.equals(p.line)) {
        this.pending = undefined;
        this.crashesInRow = 0;
        p.resolve({ kind: 'done', output: Buffer.concat(p.output) });
      } else if (p.size < OUTPUT_CAP) {
        const part = Buffer.concat([line, Buffer.from('\n')]).subarray(0, OUTPUT_CAP - p.size);
        p.output.push(Buffer.from(part));
        p.size += part.length;
      }
    }
    this.buf = Buffer.from(this.buf);
  }
}

/** 0 before the first restart of a slot, then 50 ms doubling to 5 s while it keeps crashing. */
export function defaultRestartBackoffMs(crashesInRow: number): number {
  return crashesInRow <= 1 ? 0 : Math.min(5000, 50 * 2 ** (crashesInRow - 2));
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
