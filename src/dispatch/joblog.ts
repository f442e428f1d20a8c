/**
 * GNU parallel's --joblog: one tab-separated line per finished input line, in its columns, so
 * the tools that read parallel's joblogs read lwt's. The same file drives --resume: a line
 * whose Seq is in the log is not run again (--resume-failed: only a successful one is skipped).
 *
 * Each entry is one write on an O_APPEND descriptor, after the job ended and before it is
 * reported: lwt killed at any instant leaves whole entries (a torn last line, without its
 * newline, is ignored), and a line in the log never runs again.
 */
import { closeSync, fstatSync, openSync, readFileSync, writeSync } from 'node:fs';
import { signalNumber, type Outcome } from '../core/outcome.js';
import { UsageError } from '../errors.js';

export const JOBLOG_HEADER = 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand';

export interface JoblogEntry {
  seq: number;
  /** The host's name, or ':' for a local slot (as GNU parallel). */
  host: string;
  startMs: number;
  runtimeMs: number;
  outcome: Outcome;
  /** Bytes of the job's stdout and stderr. */
  received: number;
  command: string;
}

/** Exitval and Signal as GNU parallel writes them; outcomes without an exit code get -1. */
export function exitColumns(o: Outcome): { exitval: number; signal: number } {
  if (o.kind === 'exited') return { exitval: o.code, signal: 0 };
  if (o.kind === 'signaled') return { exitval: -1, signal: signalNumber(o.signal) ?? 0 };
  if (o.kind === 'timeout' || o.kind === 'cancelled') return { exitval: -1, signal: 9 };
  return { exitval: -1, signal: 0 };
}

export function formatEntry(e: JoblogEntry): string {
  const { exitval, signal } = exitColumns(e.outcome);
  const command = e.command.replace(/[\t\n]/g, ' ');
  return `${e.seq}\t${e.host}\t${(e.startMs / 1000).toFixed(3)}\t${(e.runtimeMs / 1000).toFixed(3).padStart(8)}\t0\t${e.received}\t${exitval}\t${signal}\t${command}\n`;
}

/** Seq → whether that line succeeded, from a joblog's text. The newest entry of a Seq wins. */
export function parseJoblog(text: string, file = 'joblog'): Map<number, boolean> {
  const done = new Map<number, boolean>();
  const lines = text.split('\n');
  // The last element is '' after a final newline, or a torn entry of a killed run: skip it.
  lines.pop();
  lines.forEach((line, i) => {
    if (i === 0 && line.startsWith('Seq\t')) return;
    const f = line.split('\t');
    const seq = Number(f[0]);
    if (f.length < 9 || !Number.isInteger(seq) || seq < 1) throw new UsageError(`${file}:${i + 1}: not a joblog line (GNU parallel's 9 tab-separated columns)`);
    done.set(seq, f[6]!.trim() === '0' && f[7]!.trim() === '0');
  });
  return done;
}

/** Which lines a resumed run passes over. */
export function resumeSkip(done: ReadonlyMap<number, boolean>, mode: 'resume' | 'resume-failed'): (seq: number) => boolean {
  return mode === 'resume' ? (seq) => done.has(seq) : (seq) => done.get(seq) === true;
}

export function readJoblog(file: string): Map<number, boolean> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new UsageError(`cannot read joblog ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseJoblog(text, file);
}

/** The open joblog: entries appended whole, owner-only (commands may carry secrets). */
export class JoblogWriter {
  private fd: number | undefined;

  constructor(readonly file: string) {
    try {
      this.fd = openSync(file, 'a', 0o600);
    } catch (err) {
      throw new UsageError(`cannot open joblog ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    if (fstatSync(this.fd).size === 0) writeSync(this.fd, `${JOBLOG_HEADER}\n`);
  }

  append(e: JoblogEntry): void {
    if (this.fd !== undefined) writeSync(this.fd, formatEntry(e));
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
