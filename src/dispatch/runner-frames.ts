/**
 * The wire format between lwt and a slot's remote command runner (runner-script.ts).
 *
 * lwt → runner (its stdin): one request per job, `<length>\n<command bytes>`.
 * runner → lwt (its stdout), after a ready line `\x1eLWT-RUNNER 1\n`:
 *   `O<length>\n<bytes>`  a chunk of the job's stdout
 *   `E<length>\n<bytes>`  a chunk of the job's stderr
 *   `X<status>\n`         the job ended; status is the raw wait(2) status
 * Lengths make the frames binary-safe: a job's output can hold any byte, the marker included.
 * Whatever comes before the ready line (a noisy login shell's startup files) is skipped.
 */
export const READY_LINE = '\u001eLWT-RUNNER 1\n';
const READY = Buffer.from(READY_LINE, 'latin1');

export type RunnerFrame =
  | { type: 'ready' }
  | { type: 'output'; stream: 'stdout' | 'stderr'; data: Buffer }
  | { type: 'exit'; status: number }
  /** Bytes that are not a frame: the runner is not ours or broke; `near` shows where. */
  | { type: 'garbage'; near: string };

/** A frame header is short; a longer one without a newline is garbage, not a header still arriving. */
const MAX_HEADER = 24;

/** The request that hands `command` to the runner. */
export function encodeRequest(command: string): Buffer {
  const body = Buffer.from(command, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}\n`, 'latin1'), body]);
}

/** Cuts the runner's stdout, arriving in chunks of any size, into frames. */
export class RunnerFrames {
  private buf: Buffer = Buffer.alloc(0);
  private ready = false;
  private broken = false;

  get isReady(): boolean {
    return this.ready;
  }

  push(chunk: Buffer): RunnerFrame[] {
    if (this.broken) return [];
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: RunnerFrame[] = [];
    if (!this.ready && !this.findReady()) return frames;
    if (!this.ready) frames.push({ type: 'ready' });
    this.ready = true;
    let at = 0;
    for (;;) {
      const nl = this.buf.indexOf(10, at);
      if (nl < 0) {
        if (this.buf.length - at > MAX_HEADER) return this.fail(frames, at);
        break;
      }
      const head = this.buf.toString('latin1', at, nl);
      const kind = head[0];
      const num = head.slice(1);
      if (!/^\d{1,15}$/.test(num) || (kind !== 'O' && kind !== 'E' && kind !== 'X')) return this.fail(frames, at);
      const n = Number(num);
      if (kind === 'X') {
        frames.push({ type: 'exit', status: n });
        at = nl + 1;
        continue;
      }
      if (this.buf.length < nl + 1 + n) break;
      // A copy: the frame outlives this buffer, which the next chunk replaces.
      frames.push({ type: 'output', stream: kind === 'O' ? 'stdout' : 'stderr', data: Buffer.from(this.buf.subarray(nl + 1, nl + 1 + n)) });
      at = nl + 1 + n;
    }
    this.buf = at === 0 ? this.buf : Buffer.from(this.buf.subarray(at));
    return frames;
  }

  /** Drop everything up to the ready line; false while it has not arrived. */
  private findReady(): boolean {
    const i = this.buf.indexOf(READY);
    if (i < 0) {
      // Keep a tail that could be the start of the ready line, drop the noise before it.
      if (this.buf.length > READY.length) this.buf = Buffer.from(this.buf.subarray(this.buf.length - READY.length));
      return false;
    }
    this.buf = this.buf.subarray(i + READY.length);
    return true;
  }

  private fail(frames: RunnerFrame[], at: number): RunnerFrame[] {
    this.broken = true;
    frames.push({ type: 'garbage', near: JSON.stringify(this.buf.toString('latin1', at, at + 40)) });
    this.buf = Buffer.alloc(0);
    return frames;
  }
}
