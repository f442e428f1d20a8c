/**
 * The listing command kept alive after it answered (put-all --changed): the host's shell lists,
 * marks the end of the listing, and waits; lwt plans, then either lets it go (the plan needs the
 * SFTP path) or has it exec the receiver (receive-program.ts) and writes the plan's steps and
 * file contents to the same process's stdin. One channel and one process chain per host
 * instead of a listing channel plus an SFTP session: the connection's second channel (a fork of
 * sshd, the subsystem's set-up, three round trips per file) was most of what a small update
 * cost a host beyond the login.
 *
 * The end of the listing is `LWT-END-<nonce> <status>\0` right after a record's closing NUL:
 * the nonce comes on stdin (never in a command line, which every user of the host can read),
 * so no file name can fake the end.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '../ssh/vendor.js';
import type { ProcessResult, StdinPipe } from '../core/capped-output.js';
import { shellQuote } from '../core/shell-quote.js';
import { execRemote } from '../ssh/remote-exec.js';
import { listingScript, type Listing, type ListingSpec } from './remote-list.js';
import { RECEIVE_PROGRAM } from './receive-program.js';
import { judgeListing, LISTING_CAP, STDERR_CAP, type ListingAnswer, type ListingMemo } from './sync.js';

/** What the held shell runs on `p`: exits 127 where the host has no perl (nothing done then). */
export const RECEIVER_COMMAND = `perl -e ${shellQuote(RECEIVE_PROGRAM)}`;

/** The listing's shell, waiting for `run` or `release`. */
export class HeldShell {
  private used = false;

  constructor(
    private readonly pipe: StdinPipe,
    /** Settles when the process has exited (never rejects). */
    readonly done: Promise<ProcessResult>,
    /** stdout after the end of the listing: the receiver's answer. */
    private readonly after: Buffer[],
  ) {}

  /** Let the shell exit (idempotent; also after `run`). */
  release(): void {
    if (this.used) return;
    this.used = true;
    this.pipe.write('x\n');
    this.pipe.end();
  }

  /**
   * Exec the receiver and hand it the input `write` produces (through the pipe, paced by its
   * callback), then end the input. Resolves with the process's result and the receiver's
   * answer once it has exited.
   */
  async run(write: (pipe: StdinPipe) => Promise<void>): Promise<{ result: ProcessResult; answer: Buffer }> {
    if (this.used) throw new Error('the held listing shell was already used');
    this.used = true;
    this.pipe.write('p\n');
    try {
      await write(this.pipe);
    } finally {
      this.pipe.end();
    }
    const result = await this.done;
    return { result, answer: Buffer.concat(this.after) };
  }
}

/** runListing's answer, plus the held shell when the listing ended with its mark. */
export type HeldAnswer = ListingAnswer & { held?: HeldShell };

/** Run the listing in a shell that is held once it has answered (see the file comment). */
export function listAndHold(
  client: Client,
  spec: ListingSpec,
  signal: AbortSignal,
  sumsPrefix: (kind: Listing['kind']) => string,
  memo?: ListingMemo,
): Promise<HeldAnswer> {
  const nonce = randomBytes(9).toString('hex');
  const script = listingScript(spec, { receiver: RECEIVER_COMMAND });
  const scan = new EndScanner(nonce);
  let pipe: StdinPipe | undefined;
  return new Promise<HeldAnswer>((resolve) => {
    let answered = false;
    const done = execRemote(client, {
      command: script,
      signal,
      outputCapBytes: STDERR_CAP,
      // As runListing: without checksums nothing on the host outlives the connection (the shell
      // waits on stdin, find and the receiver write all the time), so no watchdog.
      detach: !spec.checksum,
      onStdin: (p) => {
        pipe = p;
        p.write(`${nonce}\n`);
      },
      onOutput: (stream, chunk) => {
        if (stream === 'stderr') return;
        const end = scan.push(chunk);
        if (!end || answered || !pipe) return;
        answered = true;
        const held = new HeldShell(pipe, done, scan.after);
        if (end.status !== 0) {
          // find's complaints come on stderr, which may arrive after the mark: judged once the
          // shell has exited with all of them, and the files then go by SFTP.
          held.release();
          void done.then((r) => resolve(judgeListing({ kind: 'exited', code: end.status }, r.stderr, scan.listingChunks(), scan.listingBytes, script, sumsPrefix, memo)));
          return;
        }
        const listing = judgeListing({ kind: 'exited', code: 0 }, '', scan.listingChunks(), scan.listingBytes, script, sumsPrefix, memo);
        if ('outcome' in listing) {
          held.release();
          resolve(listing);
        } else {
          resolve({ ...listing, held });
        }
      },
    });
    // Exited without the mark (an early exit: mkdir failed, no GNU find, a dead connection).
    void done.then((r) => {
      if (answered) return;
      answered = true;
      resolve(judgeListing(r.outcome, r.stderr, scan.listingChunks(), scan.listingBytes, script, sumsPrefix, memo));
    });
  });
}

/**
 * Finds `\0LWT-END-<nonce> <status>\0` in a stream of chunks: keeps the listing's chunks (up to
 * the cap), the bytes after the mark, and a short tail so that a mark cut between chunks is found.
 */
export class EndScanner {
  private readonly needle: Buffer;
  private readonly chunks: Buffer[] = [];
  private tail: Buffer = Buffer.alloc(0);
  /** Bytes seen before `tail`'s first byte. */
  private base = 0;
  private found = false;
  /** Bytes of the listing (everything before the mark). */
  listingBytes = 0;
  readonly after: Buffer[] = [];

  constructor(nonce: string) {
    this.needle = Buffer.from(`\0LWT-END-${nonce} `, 'latin1');
  }

  /** Take a chunk; returns the listing's status the first time the whole mark is seen. */
  push(chunk: Buffer): { status: number } | undefined {
    if (this.found) {
      this.after.push(chunk);
      return undefined;
    }
    const before = this.base + this.tail.length;
    if (before + chunk.length <= LISTING_CAP) this.chunks.push(chunk);
    const hay = this.tail.length === 0 ? chunk : Buffer.concat([this.tail, chunk]);
    const at = hay.indexOf(this.needle);
    const close = at < 0 ? -1 : hay.indexOf(0, at + this.needle.length);
    if (close < 0) {
      // Keep what may be the start of a mark: from a mark already seen, else the last needle's length.
      const keep = at >= 0 ? at : Math.max(0, hay.length - this.needle.length - 12);
      this.base += keep;
      this.tail = hay.subarray(keep);
      this.listingBytes = this.base + this.tail.length;
      return undefined;
    }
    this.found = true;
    // The record's closing NUL (the needle's first byte) belongs to the listing.
    this.listingBytes = this.base + at + 1;
    const status = Number(hay.subarray(at + this.needle.length, close).toString('latin1'));
    if (close + 1 < hay.length) this.after.push(hay.subarray(close + 1));
    return { status: Number.isInteger(status) ? status : 1 };
  }

  /** The listing's bytes as chunks, cut at the mark. */
  listingChunks(): Buffer[] {
    const out: Buffer[] = [];
    let left = Math.min(this.listingBytes, LISTING_CAP);
    for (const c of this.chunks) {
      if (left <= 0) break;
      out.push(c.length <= left ? c : c.subarray(0, left));
      left -= c.length;
    }
    return out;
  }
}
