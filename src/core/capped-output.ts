import type { Outcome } from './outcome.js';

/**
 * Output kept in memory with a hard cap: the first half of the cap from the head and the
 * last half from the tail, so both the command line that started a failure and the error
 * it ended with survive. What was dropped is counted and shown as a marker.
 */
export class CappedOutput {
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private seen = 0;

  constructor(readonly capBytes: number) {}

  push(chunk: Buffer): void {
    this.seen += chunk.length;
    const headRoom = Math.ceil(this.capBytes / 2) - this.headBytes;
    if (headRoom > 0) {
      const part = chunk.subarray(0, headRoom);
      this.head.push(part);
      this.headBytes += part.length;
      chunk = chunk.subarray(part.length);
      if (chunk.length === 0) return;
    }
    const tailCap = Math.floor(this.capBytes / 2);
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tailBytes > tailCap && this.tail.length > 0) {
      const first = this.tail[0]!;
      const excess = this.tailBytes - tailCap;
      if (first.length <= excess) {
        this.tail.shift();
        this.tailBytes -= first.length;
      } else {
        this.tail[0] = first.subarray(excess);
        this.tailBytes -= excess;
      }
    }
  }

  /** Bytes received in total. */
  get totalBytes(): number {
    return this.seen;
  }

  /** Bytes received but not kept. */
  get droppedBytes(): number {
    return this.seen - this.headBytes - this.tailBytes;
  }

  /**
   * The bytes exactly as received (what files and the journal keep); when the cap dropped
   * some, head and tail are joined by the marker line.
   */
  toBuffer(): Buffer {
    if (this.droppedBytes === 0) return Buffer.concat([...this.head, ...this.tail]);
    return Buffer.concat([...this.head, Buffer.from(`\n[lwt: ${this.droppedBytes} bytes of output omitted]\n`), ...this.tail]);
  }

  /** As text for the terminal and JSON: invalid UTF-8 becomes U+FFFD. */
  toString(): string {
    if (this.droppedBytes === 0) return Buffer.concat([...this.head, ...this.tail]).toString('utf8');
    // Nor end the head inside one: the cut, not the command, broke that character.
    const head = withoutCutSequence(Buffer.concat(this.head)).toString('utf8');
    let tail = Buffer.concat(this.tail);
    // Do not start the tail in the middle of a UTF-8 sequence.
    let skip = 0;
    while (skip < tail.length && skip < 4 && (tail[skip]! & 0xc0) === 0x80) skip++;
    tail = tail.subarray(skip);
    return `${head}\n[lwt: ${this.droppedBytes} bytes of output omitted]\n${tail.toString('utf8')}`;
  }
}

/** `b` without a UTF-8 sequence that its end cuts short (valid text and other bytes are kept). */
function withoutCutSequence(b: Buffer): Buffer {
  let start = b.length - 1;
  while (start >= 0 && b.length - start <= 3 && (b[start]! & 0xc0) === 0x80) start--;
  if (start < 0) return b;
  const lead = b[start]!;
  const length = lead >= 0xf0 && lead <= 0xf7 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return length > 1 && start + length > b.length ? b.subarray(0, start) : b;
}

export type StreamName = 'stdout' | 'stderr';

/** What a finished local or remote command hands back. */
export interface ProcessResult {
  outcome: Outcome;
  stdout: string;
  stderr: string;
  /** The same output as bytes, exactly as the command wrote it (invalid UTF-8 included). */
  stdoutBytes: Buffer;
  stderrBytes: Buffer;
  /** Bytes dropped by the memory cap, per stream. */
  truncated: { stdout: number; stderr: number };
  pid?: number;
  /** The job had ended on its own when our kill came (kill-reason.ts afterKill). */
  endedBeforeKill?: true;
}

/**
 * A process's stdin kept open for a conversation (dispatch's long-lived workers): lines are
 * written as work arrives; `end` closes it. Writes after the process ended are dropped.
 */
export interface StdinPipe {
  /**
   * `done` (where the pipe supports it) is called once `data` was taken (it may be reused) or
   * the pipe is gone: a large stream paces itself on it.
   */
  write(data: string | Buffer, done?: () => void): void;
  end(): void;
}

/** Both streams of one command, each capped, and the result built from them. */
export class CapturedOutput {
  readonly stdout: CappedOutput;
  readonly stderr: CappedOutput;

  constructor(capBytes: number) {
    this.stdout = new CappedOutput(capBytes);
    this.stderr = new CappedOutput(capBytes);
  }

  result(outcome: Outcome, pid?: number, endedBeforeKill?: true): ProcessResult {
    return {
      outcome,
      stdout: this.stdout.toString(),
      stderr: this.stderr.toString(),
      stdoutBytes: this.stdout.toBuffer(),
      stderrBytes: this.stderr.toBuffer(),
      truncated: { stdout: this.stdout.droppedBytes, stderr: this.stderr.droppedBytes },
      ...(pid !== undefined ? { pid } : {}),
      ...(endedBeforeKill ? { endedBeforeKill } : {}),
    };
  }
}
