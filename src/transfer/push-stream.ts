/**
 * Many small files to one host as ONE tar stream (put-all), instead of five SFTP requests per
 * file (OPEN, WRITE, FSETSTAT, CLOSE, RENAME), three of them waited for in turn. The host's
 * GNU tar writes every file under its temporary name in its destination folder (the same
 * names as the SFTP path, so an interrupted run's leftovers are found and removed alike), with
 * its mode and mtime; then each temporary file is renamed over its final name with SFTP's
 * posix-rename, all renames in flight at once. A final name therefore only ever shows a whole
 * old or a whole new file.
 *
 * When tar fails part-way (a folder it may not write, a full disk), a temporary file is renamed
 * only if the host shows it whole (its size and mtime as sent); the others are removed and
 * reported. A host without a usable tar gets the SFTP path (push.ts) for these files.
 */
import { batchSocketWrites, type Client } from '../ssh/vendor.js';
import type { StdinPipe } from '../core/capped-output.js';
import type { LogSink } from '../core/log-sink.js';
import { execRemote } from '../ssh/remote-exec.js';
import { shellQuote } from '../core/shell-quote.js';
import type { Entry } from './entry.js';
import { hasEscapes } from './byte-names.js';
import { describeLocalError } from './local-tree.js';
import { remoteOperand } from './paths.js';
import { guardStep } from './steps.js';
import { FX, SftpError } from './sftp.js';
import type { TempNames } from './temp-names.js';
import { archiveEnd, memberHeader, padded } from './tar-header.js';
import type { PushInput, PushResult } from './push.js';

/** Below this many files the SFTP path is as fast, and a third session is not worth opening. */
export const STREAM_MIN_FILES = 32;
/**
 * Bytes gathered before a write: ssh2 makes a packet of every write (cut at 32 KiB), so small
 * pieces are joined; the packets of a turn leave in one writev (batchSocketWrites). BATCHES of
 * them in flight per host (the server's channel window is 2 MiB).
 */
const BATCH = 256 * 1024;
const BATCHES = 6;
const STDERR_CAP = 64 * 1024;

/** Where the stream goes: the connection, the transfer's abort signal, the remote root every name is relative to. */
export interface StreamTarget {
  client: Client;
  signal: AbortSignal;
  root: string;
  log?: LogSink;
}

/** Whether `items` (files small enough to be read whole, and symlinks) should go by stream. */
export function streamWorthy(target: StreamTarget | undefined, items: readonly Entry[]): target is StreamTarget {
  // A root that is not UTF-8 cannot be spelled in the exec request (a string); SFTP carries its bytes.
  return target !== undefined && items.length >= STREAM_MIN_FILES && !hasEscapes(target.root);
}

/**
 * The host command: GNU tar, owner from the login, modes exactly as sent (no umask), no warnings
 * about old mtimes. It reads 128 KiB records, each read until full (-b 256 -B; the stream's
 * last record may be shorter): with tar's default 10 KiB records a 20 MB tree of 1000 files
 * took 2,085 reads and 2,970 writes of tar per host (file contents cut at record ends), with
 * these 179 and 1,152, half of tar's CPU on the host.
 */
export function tarCommand(root: string): string {
  return `tar -x -p -b 256 -B --no-same-owner --warning=no-timestamp -f - -C ${shellQuote(remoteOperand(root))}`;
}

/** tar missing or not GNU tar (an option it does not know): nothing was extracted, SFTP takes over. */
export function tarUnusable(code: number, stderr: string): boolean {
  return code === 127 || code === 126 || /(unrecognized|unknown|invalid) option|not supported/i.test(stderr);
}

interface Member {
  e: Entry;
  tmpRel: string;
  /** Bytes of content put in the stream; 'unread' when the local read failed (a problem already). */
  sent?: number | 'unread';
}

/**
 * Send `items` by stream. Returns false when the host's tar cannot be used (nothing was sent);
 * counts and problems go into `res`; a lost connection or an abort is thrown.
 */
export async function streamFiles(input: PushInput, target: StreamTarget, items: readonly Entry[], temps: TempNames, res: PushResult): Promise<boolean> {
  const members: Member[] = items.map((e) => ({ e, tmpRel: temps.next(e.rel) }));
  target.log?.debug(`put-all: ${members.length} files to ${target.root} in one tar stream`);
  batchSocketWrites(target.client);
  let fed: Promise<void> = Promise.resolve();
  const r = await execRemote(target.client, {
    command: tarCommand(target.root),
    signal: target.signal,
    outputCapBytes: STDERR_CAP,
    // No watchdog process beside tar: tar reads the channel, so a connection that dies ends it
    // (EOF on its input); our deadline and cancel still kill it through the second channel.
    detach: true,
    onStdin: (pipe) => {
      fed = feed(input, members, pipe, res).catch(() => pipe.end());
    },
  });
  // Once the channel is gone the feed's writes go nowhere and it ends; what it marked sent after
  // that is judged below like everything else (tar then did not exit 0).
  await fed;
  const o = r.outcome;
  const stderr = r.stderr.trim();
  if (target.signal.aborted || o.kind === 'timeout' || o.kind === 'cancelled') throw new Error('transfer stopped');
  if (o.kind === 'lost' || o.kind === 'no-status' || o.kind === 'unreachable') {
    throw new SftpError('stream', target.root, undefined, o.kind === 'lost' ? o.message : 'connection lost', true);
  }
  if (o.kind === 'exited' && o.code !== 0 && tarUnusable(o.code, stderr)) {
    target.log?.debug(`put-all: no usable tar at ${target.root} (${stderr.split('\n')[0] ?? ''}), sending by SFTP`);
    return false;
  }
  const whole = o.kind === 'exited' && o.code === 0;
  const why = whole ? '' : `tar on the host: ${stderr.split('\n')[0] || (o.kind === 'exited' ? `exit ${o.code}` : o.kind)}`;
  // What tar left under temporary names: all of it when tar finished, else what the host shows whole.
  const landed: Array<{ m: Member; sent: number }> = [];
  await Promise.all(
    members.map(async (m) => {
      const sent = m.sent;
      if (sent === 'unread') return;
      const tmp = input.remote(m.tmpRel);
      if (sent !== undefined && (whole || (await landedWhole(input, tmp, m.e, sent)))) {
        landed.push({ m, sent });
        return;
      }
      await guardStep(res.problems, removeMissingOk(input, tmp));
      res.problems.push(`${input.remote(m.e.rel)}: not sent (${why})`);
    }),
  );
  const renamed = await input.sftp.renameAll(landed.map(({ m }) => [input.remote(m.tmpRel), input.remote(m.e.rel)] as const));
  const failed: Promise<unknown>[] = [];
  renamed.forEach((err, i) => {
    const { m, sent } = landed[i]!;
    if (err === undefined) {
      res.filesSent++;
      res.bytesSent += sent;
      return;
    }
    if (err.lost) throw err;
    res.problems.push(err.message);
    failed.push(input.sftp.unlink(input.remote(m.tmpRel)).catch(() => undefined));
  });
  await Promise.all(failed);
  return true;
}

/** After a failed tar: whether the temporary file is all there (the type, size and mtime sent). */
async function landedWhole(input: PushInput, tmp: string, e: Entry, size: number): Promise<boolean> {
  try {
    const st = await input.sftp.lstat(tmp);
    const typeOk = e.type === 'l' ? st.isSymbolicLink() : st.isFile() && st.size === size;
    return typeOk && st.mtime === Math.floor(e.mtime);
  } catch (err) {
    if (err instanceof SftpError && err.lost) throw err;
    return false;
  }
}

async function removeMissingOk(input: PushInput, tmp: string): Promise<void> {
  try {
    await input.sftp.unlink(tmp);
  } catch (err) {
    if (err instanceof SftpError && (err.lost || err.code !== FX.NO_SUCH_FILE)) throw err;
  }
}


/**
 * Batches of the stream in a few reused buffers: a buffer goes back to the pool once ssh2 has
 * copied it into packets. Allocating a fresh buffer per batch (a gigabyte per 50-host tree)
 * kept V8's garbage collector busy for a sixth of put-all's CPU. The pool also bounds what is
 * in flight per host.
 */
export class BatchPool {
  private readonly free: Buffer[] = [];
  private waiting: (() => void) | undefined;
  private cur: Buffer;
  private used = 0;
  written = 0;

  constructor(
    private readonly pipe: StdinPipe,
    size = BATCH,
    count = BATCHES,
  ) {
    for (let i = 0; i < count; i++) this.free.push(Buffer.allocUnsafe(size));
    this.cur = this.free.pop()!;
  }

  /** Copy `b` into the stream. */
  async add(b: Buffer): Promise<void> {
    for (let from = 0; from < b.length; ) {
      const n = b.copy(this.cur, this.used, from);
      from += n;
      this.used += n;
      this.written += n;
      if (this.used === this.cur.length) await this.flush();
    }
  }

  /** `n` zero bytes. */
  async zeros(n: number): Promise<void> {
    while (n > 0) {
      const k = Math.min(n, this.cur.length - this.used);
      this.cur.fill(0, this.used, this.used + k);
      this.used += k;
      this.written += k;
      n -= k;
      if (this.used === this.cur.length) await this.flush();
    }
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    const buf = this.cur;
    this.pipe.write(buf.subarray(0, this.used), () => this.give(buf));
    this.used = 0;
    while (this.free.length === 0) await new Promise<void>((resolve) => (this.waiting = resolve));
    this.cur = this.free.pop()!;
  }

  private give(buf: Buffer): void {
    this.free.push(buf);
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }
}

/** Write the archive through a BatchPool (headers, contents, padding), then end the stream. */
async function feed(input: PushInput, members: Member[], pipe: StdinPipe, res: PushResult): Promise<void> {
  const out = new BatchPool(pipe);
  for (const m of members) {
    const e = m.e;
    if (e.type === 'l') {
      await out.add(memberHeader({ name: m.tmpRel, type: 'symlink', mode: 0o777, size: 0, mtime: e.mtime, target: e.target ?? '' }));
      m.sent = 0;
      continue;
    }
    let data: Buffer;
    try {
      data = await input.cache.readEntry(e, () => input.local(e.rel));
    } catch (err) {
      res.problems.push(`${input.local(e.rel)}: ${describeLocalError(err)} (not sent)`);
      m.sent = 'unread';
      continue;
    }
    await out.add(memberHeader({ name: m.tmpRel, type: 'file', mode: e.mode, size: data.length, mtime: e.mtime }));
    await out.add(data);
    await out.zeros(padded(data.length) - data.length);
    m.sent = data.length;
    input.onBytes(data.length);
  }
  await out.zeros(archiveEnd(out.written).length);
  await out.flush();
  pipe.end();
}
