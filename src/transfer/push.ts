/**
 * Carry out a Plan on a host over SFTP (put-all). Every file is written to a temporary name
 * in its destination folder, given its mode and mtime on the open handle, closed, and only
 * then renamed over the final name (posix-rename@openssh.com, atomic). A transfer cut at any
 * point leaves whole old files or whole new files under final names, and temporary files
 * that the next run removes.
 *
 * Pipelining: up to FILE_LANES files are in progress at once, each with its requests sent
 * back to back (WRITE…, FSETSTAT, CLOSE without waiting in between); a large file keeps
 * several WRITEs in flight. The session bounds requests and bytes in flight (sftp.ts).
 */
import { open as openLocal, readFile } from 'node:fs/promises';
import type { InputAttributes } from '../ssh/vendor.js';
import type { Entry } from './entry.js';
import { describeLocalError } from './local-tree.js';
import { TempNames } from './temp-names.js';
import { bytePath } from './byte-names.js';
import type { Plan } from './plan.js';
import { forEachLimit } from './semaphore.js';
import { byDepth, guardStep } from './steps.js';
import { FX, SftpError, type SftpSession } from './sftp.js';
import { streamFiles, streamWorthy, type StreamTarget } from './push-stream.js';

/** Files in progress at once per host. */
const FILE_LANES = 32;

export interface PushResult {
  filesSent: number;
  bytesSent: number;
  filesDeleted: number;
  /** Per-entry failures (the transfer went on with the rest). */
  problems: string[];
}

export interface PushInput {
  sftp: SftpSession;
  plan: Plan;
  /** Remote path of a relative name. */
  remote: (rel: string) => string;
  /** Local path of a source entry. */
  local: (rel: string) => string;
  cache: ContentCache;
  onBytes: (n: number) => void;
  /** Where many small files may go as one tar stream (push-stream.ts); without it, all by SFTP. */
  stream?: StreamTarget;
}

/**
 * Local content read once per run, however many hosts receive it: small files whole (kept,
 * up to `budget` bytes), chunks of large files in a window of recent chunks (hosts of one
 * run move through a large file at about the same pace, so most reads of a chunk are hits).
 * Without it, 50 hosts meant 50 reads and 50 buffers per chunk: a fifth of lwt's CPU for a
 * 50 MB file, and most of its garbage.
 */
export class ContentCache {
  private readonly files = new Map<string, Promise<Buffer>>();
  private held = 0;
  private readonly chunks = new Map<string, Promise<Buffer>>();
  private chunkBytes = 0;

  constructor(
    private readonly budget = 256 * 1024 * 1024,
    /** Files up to this size are cached. */
    readonly maxFile = 1024 * 1024,
    /** Bytes of large-file chunks kept, oldest dropped first. */
    private readonly chunkBudget = 64 * 1024 * 1024,
  ) {}

  /** `len` bytes of a large file at `pos` (fewer at its end; empty past it). */
  chunk(path: string, e: Entry, pos: number, len: number): Promise<Buffer> {
    const key = `${path}\0${e.size}\0${e.mtime}\0${pos}\0${len}`;
    const hit = this.chunks.get(key);
    if (hit) {
      // Refresh its place: Map order is the eviction order.
      this.chunks.delete(key);
      this.chunks.set(key, hit);
      return hit;
    }
    const p = readAt(path, pos, len);
    this.chunks.set(key, p);
    this.chunkBytes += len;
    p.catch(() => {
      if (this.chunks.get(key) === p) {
        this.chunks.delete(key);
        this.chunkBytes -= len;
      }
    });
    while (this.chunkBytes > this.chunkBudget && this.chunks.size > 1) {
      const oldest = this.chunks.keys().next().value as string;
      this.chunks.delete(oldest);
      this.chunkBytes -= Number(oldest.slice(oldest.lastIndexOf('\0') + 1));
    }
    return p;
  }

  /**
   * A small file by its Entry: hosts of one put-all share the local tree's Entry objects, so
   * the lookup needs neither the path joined nor a key built (50,000 per 50-host tree).
   */
  readEntry(e: Entry, path: () => string): Promise<Buffer> {
    const hit = this.byEntry.get(e);
    if (hit) return hit;
    // Remembered here exactly when read() keeps it (within the budget).
    const kept = e.size <= this.maxFile && this.held + e.size <= this.budget;
    const p = this.read(path(), e);
    if (!kept) return p;
    this.byEntry.set(e, p);
    p.catch(() => this.byEntry.delete(e));
    return p;
  }

  private readonly byEntry = new WeakMap<Entry, Promise<Buffer>>();

  read(path: string, e: Entry): Promise<Buffer> {
    if (e.size > this.maxFile) return readFile(bytePath(path));
    const key = `${path}\0${e.size}\0${e.mtime}`;
    const hit = this.files.get(key);
    if (hit) return hit;
    const p = readFile(bytePath(path));
    if (this.held + e.size <= this.budget) {
      this.files.set(key, p);
      this.held += e.size;
      p.catch(() => {
        this.files.delete(key);
        this.held -= e.size;
      });
    }
    return p;
  }
}

async function readAt(path: string, pos: number, len: number): Promise<Buffer> {
  const fh = await openLocal(bytePath(path), 'r');
  try {
    const buf = Buffer.allocUnsafe(len);
    let n = 0;
    while (n < len) {
      const r = await fh.read(buf, n, len - n, pos + n);
      if (r.bytesRead === 0) break;
      n += r.bytesRead;
    }
    return n === len ? buf : buf.subarray(0, n);
  } finally {
    await fh.close();
  }
}

export function newPushResult(): PushResult {
  return { filesSent: 0, bytesSent: 0, filesDeleted: 0, problems: [] };
}

const seconds = (t: number): number => Math.floor(t);

function attrsOf(e: Entry): InputAttributes {
  return { mode: e.mode & 0o7777, atime: seconds(e.atime ?? e.mtime), mtime: seconds(e.mtime) };
}

/**
 * Carry out `plan`. Counts go into `res` as they happen, so that a transfer cut short
 * (the session lost: SftpError with `lost`, thrown) still reports what it did.
 */
export async function pushPlan(input: PushInput, res: PushResult = newPushResult()): Promise<PushResult> {
  const { sftp, plan, remote } = input;
  const temps = new TempNames();
  const guard = (step: Promise<unknown>): Promise<boolean> => guardStep(res.problems, step);

  // 1. Leftovers of an interrupted run.
  await Promise.all(plan.removeTemps.map((rel) => guard(ignoreMissing(sftp.unlink(remote(rel))))));

  // 2. Deletes, deepest first, one depth at a time (a folder is empty once its depth+1 is done).
  for (const group of byDepth(plan.deletes, true)) {
    const done = await Promise.all(
      group.map((e) => guard(ignoreMissing(e.type === 'd' ? sftp.rmdir(remote(e.rel)) : sftp.unlink(remote(e.rel))))),
    );
    res.filesDeleted += done.filter(Boolean).length;
  }

  // 3. Folders, parents first; a folder that cannot be made blocks what goes inside it.
  const failedDirs = new Set<string>();
  for (const group of byDepth(plan.mkdirs, false)) {
    await Promise.all(
      group.map(async (e) => {
        if (blockedBy(e.rel, failedDirs)) {
          failedDirs.add(e.rel);
          return;
        }
        const ok = await guard(mkdirOrExisting(sftp, remote(e.rel)));
        if (!ok) failedDirs.add(e.rel);
      }),
    );
  }

  // 4. Files and symlinks: many small ones in one tar stream, beside it the large ones by SFTP.
  const items: Entry[] = [];
  for (const e of [...plan.files, ...plan.links]) {
    if (blockedBy(e.rel, failedDirs)) res.problems.push(`${remote(e.rel)}: not sent, its folder could not be created`);
    else items.push(e);
  }
  // Final renames sent by SFTP and not yet answered.
  const landing: Promise<void>[] = [];
  const small = items.filter((e) => e.type === 'l' || e.size <= input.cache.maxFile);
  if (streamWorthy(input.stream, small)) {
    const large = items.filter((e) => e.type === 'f' && e.size > input.cache.maxFile);
    const [streamed] = await Promise.all([streamFiles(input, input.stream, small, temps, res), sendBySftp(input, large, temps, res, landing)]);
    if (!streamed) await sendBySftp(input, small, temps, res, landing);
  } else {
    await sendBySftp(input, items, temps, res, landing);
  }

  // 5. Same content, other mode or mtime; 6. folders' mode and mtime, now that nothing more is
  // written into them. Sent right behind the renames, not after their answers (a round trip
  // per host): the server handles requests one at a time in the order sent (OpenSSH's does),
  // so a folder's mtime is set after the renames into it changed it. A folder that is to lose
  // its owner's write permission waits for the answers all the same: on a server that reorders,
  // the renames into it would otherwise fail.
  const dirs = plan.dirAttrs.filter((e) => !failedDirs.has(e.rel));
  const setAttrs = (e: Entry): Promise<boolean> => guard(sftp.setstat(remote(e.rel), attrsOf(e)));
  await Promise.all([...landing, ...plan.fileAttrs.map(setAttrs), ...dirs.filter(ownerWritable).map(setAttrs)]);
  await Promise.all(dirs.filter((e) => !ownerWritable(e)).map(setAttrs));
  return res;
}

function ownerWritable(e: Entry): boolean {
  return (e.mode & 0o200) !== 0;
}

/**
 * Files and symlinks by SFTP, FILE_LANES at once, each with its requests pipelined. Resolves
 * once every final rename is sent; `landing` gets one promise per rename, settled with its
 * answer (counted as sent, or a problem; a lost session rejects).
 */
async function sendBySftp(input: PushInput, items: readonly Entry[], temps: TempNames, res: PushResult, landing: Promise<void>[]): Promise<void> {
  const { sftp } = input;
  const guard = (step: Promise<unknown>): Promise<boolean> => guardStep(res.problems, step);
  const lanes = Math.max(1, Math.min(FILE_LANES, Number.isFinite(sftp.maxHandles) ? Math.floor(sftp.maxHandles / 2) : FILE_LANES));
  let lost: unknown;
  await forEachLimit(items, lanes, async (e) => {
    if (lost) return;
    try {
      let sent: Renaming | undefined;
      const ok = await guard((e.type === 'l' ? sendLink(input, e, temps) : sendFile(input, e, temps)).then((r) => (sent = r)));
      if (!ok || !sent) return;
      const { renamed, bytes } = sent;
      const landed = guard(renamed).then((done) => {
        if (!done) return;
        res.filesSent++;
        res.bytesSent += bytes;
      });
      // Awaited by the caller, maybe after another step failed: never an unhandled rejection.
      landed.catch(() => undefined);
      landing.push(landed);
    } catch (err) {
      lost ??= err;
    }
  });
  if (lost) throw lost;
}

/** A file or symlink complete under its temporary name, its rename over the final name sent. */
interface Renaming {
  /** Settles with the rename's answer; on failure the temporary name is already removed. */
  renamed: Promise<void>;
  /** Content bytes written. */
  bytes: number;
}

/** Send the rename of `tmp` over `final`; a refused rename removes `tmp` (a lost session cannot). */
function renameOver(sftp: SftpSession, tmp: string, final: string, bytes: number): Renaming {
  const renamed = sftp.rename(tmp, final).catch(async (err: unknown) => {
    if (!(err instanceof SftpError && err.lost)) await sftp.unlink(tmp).catch(() => undefined);
    throw err;
  });
  return { renamed, bytes };
}

function blockedBy(rel: string, failed: ReadonlySet<string>): boolean {
  if (failed.size === 0) return false;
  for (let i = rel.lastIndexOf('/'); i > 0; i = rel.lastIndexOf('/', i - 1)) if (failed.has(rel.slice(0, i))) return true;
  return failed.has('') && rel !== '';
}

async function ignoreMissing(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SftpError && err.code === FX.NO_SUCH_FILE) return;
    throw err;
  }
}

async function mkdirOrExisting(sftp: SftpSession, path: string): Promise<void> {
  try {
    await sftp.mkdir(path);
  } catch (err) {
    if (err instanceof SftpError && !err.lost) {
      // OpenSSH answers FAILURE for EEXIST: fine if a folder is there now.
      const st = await sftp.lstat(path).catch(() => undefined);
      if (st?.isDirectory()) return;
    }
    throw err;
  }
}

async function sendLink(input: PushInput, e: Entry, temps: TempNames): Promise<Renaming> {
  const { sftp } = input;
  const final = input.remote(e.rel);
  const tmp = temps.next(final);
  await sftp.symlink(e.target ?? '', tmp, final);
  try {
    await sftp.lsetstat(tmp, { atime: seconds(e.atime ?? e.mtime), mtime: seconds(e.mtime) }, final).catch((err: unknown) => {
      if (err instanceof SftpError && err.lost) throw err;
    });
  } catch (err) {
    await sftp.unlink(tmp).catch(() => undefined);
    throw err;
  }
  return renameOver(sftp, tmp, final, 0);
}

async function sendFile(input: PushInput, e: Entry, temps: TempNames): Promise<Renaming> {
  const { sftp } = input;
  const final = input.remote(e.rel);
  const tmp = temps.next(final);
  const localPath = input.local(e.rel);
  const small = e.size <= sftp.maxChunk;
  let data: Buffer | undefined;
  if (small) {
    try {
      data = await input.cache.read(localPath, e);
    } catch (err) {
      throw new Error(`${localPath}: ${describeLocalError(err)} (not sent)`);
    }
  }
  // Private while being written; the final mode comes with FSETSTAT before the rename. Errors
  // name the final path: the temporary name means nothing to the operator.
  const handle = await sftp.open(tmp, 'wx', { mode: 0o600 }, final);
  let sent = 0;
  let closed = false;
  try {
    const writes: Promise<void>[] = [];
    const write = async (buf: Buffer, pos: number): Promise<void> => {
      try {
        await sftp.write(handle, buf, pos, final);
        sent += buf.length;
        input.onBytes(buf.length);
      } finally {
        sftp.bytes.release(buf.length);
      }
    };
    let failed: unknown;
    if (data) {
      if (data.length > 0) {
        await sftp.bytes.acquire(data.length);
        writes.push(write(data, 0));
      }
    } else {
      const chunk = sftp.maxChunk;
      for (let pos = 0; failed === undefined; ) {
        await sftp.bytes.acquire(chunk);
        let buf: Buffer;
        try {
          buf = await input.cache.chunk(localPath, e, pos, chunk);
        } catch (err) {
          sftp.bytes.release(chunk);
          throw new Error(`${localPath}: ${describeLocalError(err)} (not sent)`);
        }
        const n = buf.length;
        if (n < chunk) sftp.bytes.release(chunk - n);
        if (n === 0) break;
        const w = write(buf, pos);
        w.catch((err: unknown) => (failed ??= err));
        writes.push(w);
        pos += n;
        if (n < chunk) break;
      }
    }
    // Attributes and close go right behind the writes: the server handles requests in order,
    // so the data is complete when FSETSTAT sets the mtime, and one round trip is saved.
    const setstat = sftp.fsetstat(handle, attrsOf(e), final);
    const close = sftp.closeHandle(handle, final);
    closed = true;
    const results = await Promise.allSettled([...writes, setstat, close]);
    const firstError = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (firstError) throw firstError.reason;
  } catch (err) {
    if (!(err instanceof SftpError && err.lost)) {
      if (!closed) await sftp.closeHandle(handle, final).catch(() => undefined);
      await sftp.unlink(tmp).catch(() => undefined);
    }
    throw err;
  }
  return renameOver(sftp, tmp, final, sent);
}
