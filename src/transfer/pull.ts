/**
 * Carry out a Plan from a host into a local folder over SFTP (get-all). The mirror of
 * push.ts: each file is read with several READs in flight, written to a temporary file in
 * its local folder, given its mode and mtime, then renamed over the final name. Names come
 * from the host's listing and were checked before this runs (no `..`, not absolute, parents
 * are folders of the same listing, symlinks stay inside); set-uid and set-gid bits are
 * dropped, since the files now belong to the local user.
 */
import { chmod, lutimes, mkdir, open as openLocal, rename, rmdir, symlink, unlink, utimes, lstat } from 'node:fs/promises';
import type { Entry } from './entry.js';
import { describeLocalError } from './local-tree.js';
import { TempNames } from './temp-names.js';
import { bytePath } from './byte-names.js';
import type { Plan } from './plan.js';
import { forEachLimit } from './semaphore.js';
import { byDepth, guardStep } from './steps.js';
import { SftpError, type SftpSession } from './sftp.js';

const FILE_LANES = 32;

export interface PullResult {
  filesReceived: number;
  bytesReceived: number;
  filesDeleted: number;
  problems: string[];
}

export interface PullInput {
  sftp: SftpSession;
  plan: Plan;
  /** Remote path of a relative name. */
  remote: (rel: string) => string;
  /** Local path of a relative name (under the host's folder). */
  local: (rel: string) => string;
  onBytes: (n: number) => void;
}

export function newPullResult(): PullResult {
  return { filesReceived: 0, bytesReceived: 0, filesDeleted: 0, problems: [] };
}

/** Mode bits kept on fetched files: no set-uid/set-gid for files now owned by the local user. */
const KEEP_BITS = 0o1777;

class LocalError extends Error {}

/** Carry out `plan`; counts go into `res` as they happen (kept when the session is lost and this throws). */
export async function pullPlan(input: PullInput, res: PullResult = newPullResult()): Promise<PullResult> {
  const { plan, local } = input;
  const temps = new TempNames();
  const guard = (step: Promise<unknown>): Promise<boolean> => guardStep(res.problems, step);
  const wrap = (path: string, p: Promise<unknown>): Promise<unknown> =>
    p.catch((err: unknown) => {
      throw new LocalError(`${path}: ${describeLocalError(err)}`);
    });

  await Promise.all(plan.removeTemps.map((rel) => guard(wrap(local(rel), unlink(bytePath(local(rel))).catch(ignoreEnoent)))));
  for (const group of byDepth(plan.deletes, true)) {
    const done = await Promise.all(
      group.map((e) => guard(wrap(local(e.rel), (e.type === 'd' ? rmdir(bytePath(local(e.rel))) : unlink(bytePath(local(e.rel)))).catch(ignoreEnoent)))),
    );
    res.filesDeleted += done.filter(Boolean).length;
  }
  const failedDirs = new Set<string>();
  for (const group of byDepth(plan.mkdirs, false)) {
    await Promise.all(
      group.map(async (e) => {
        const ok = await guard(wrap(local(e.rel), mkdirOrExisting(local(e.rel))));
        if (!ok) failedDirs.add(e.rel);
      }),
    );
  }

  let lost: unknown;
  await forEachLimit([...plan.files, ...plan.links], FILE_LANES, async (e) => {
    if (lost) return;
    const parent = e.rel.includes('/') ? e.rel.slice(0, e.rel.lastIndexOf('/')) : '';
    if (failedDirs.has(parent)) {
      res.problems.push(`${local(e.rel)}: not fetched, its folder could not be created`);
      return;
    }
    try {
      const ok = await guard(e.type === 'l' ? fetchLink(input, e, temps) : fetchFile(input, e, temps, res));
      if (ok) res.filesReceived++;
    } catch (err) {
      lost ??= err;
    }
  });
  if (lost) throw lost;

  const setAttrs = async (e: Entry): Promise<void> => {
    const p = local(e.rel);
    await wrap(p, chmod(bytePath(p), e.mode & KEEP_BITS));
    await wrap(p, utimes(bytePath(p), Date.now() / 1000, e.mtime));
  };
  await Promise.all(plan.fileAttrs.map((e) => guard(setAttrs(e))));
  await Promise.all(plan.dirAttrs.filter((e) => !failedDirs.has(e.rel)).map((e) => guard(setAttrs(e))));
  return res;
}

function ignoreEnoent(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}

async function mkdirOrExisting(path: string): Promise<void> {
  try {
    await mkdir(bytePath(path), { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST' && (await lstat(bytePath(path))).isDirectory()) return;
    throw err;
  }
}

async function fetchLink(input: PullInput, e: Entry, temps: TempNames): Promise<void> {
  const final = input.local(e.rel);
  const tmp = temps.next(final);
  try {
    await symlink(bytePath(e.target ?? ''), bytePath(tmp));
    await lutimes(bytePath(tmp), Date.now() / 1000, e.mtime);
    await rename(bytePath(tmp), bytePath(final));
  } catch (err) {
    await unlink(bytePath(tmp)).catch(() => undefined);
    throw new LocalError(`${final}: ${describeLocalError(err)}`);
  }
}

async function fetchFile(input: PullInput, e: Entry, temps: TempNames, res: PullResult): Promise<void> {
  const { sftp } = input;
  const remotePath = input.remote(e.rel);
  const final = input.local(e.rel);
  const tmp = temps.next(final);
  const handle = await sftp.open(remotePath, 'r');
  let received = 0;
  try {
    const fh = await openLocal(bytePath(tmp), 'wx', 0o600).catch((err: unknown) => {
      throw new LocalError(`${tmp}: ${describeLocalError(err)}`);
    });
    let ok = false;
    try {
      const chunk = sftp.maxChunk;
      /** Read [pos, pos+len) completely (a server may answer a READ with fewer bytes), write it locally. */
      const readRange = async (pos: number, len: number): Promise<number> => {
        let got = 0;
        while (got < len) {
          const data = await sftp.read(handle, len - got, pos + got, remotePath);
          if (data.length === 0) break;
          await fh.write(data, 0, data.length, pos + got).catch((err: unknown) => {
            throw new LocalError(`${tmp}: ${describeLocalError(err)}`);
          });
          got += data.length;
          input.onBytes(data.length);
        }
        return got;
      };
      // The listed size, in parallel chunks; then on to the end in case the file grew since.
      const ranges: Promise<number>[] = [];
      let failed: unknown;
      for (let pos = 0; pos < e.size && failed === undefined; pos += chunk) {
        const len = Math.min(chunk, e.size - pos);
        await sftp.bytes.acquire(len);
        const r = readRange(pos, len).finally(() => sftp.bytes.release(len));
        r.catch((err: unknown) => (failed ??= err));
        ranges.push(r);
      }
      const results = await Promise.allSettled(ranges);
      const bad = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (bad) throw bad.reason;
      received = results.reduce((s, r) => s + (r as PromiseFulfilledResult<number>).value, 0);
      for (;;) {
        const n = await readRange(received, chunk);
        received += n;
        if (n < chunk) break;
      }
      ok = true;
    } finally {
      await fh.close().catch(() => undefined);
      if (!ok) await unlink(bytePath(tmp)).catch(() => undefined);
    }
  } finally {
    await sftp.closeHandle(handle, remotePath).catch((err: unknown) => {
      if (err instanceof SftpError && err.lost) throw err;
    });
  }
  try {
    await chmod(bytePath(tmp), e.mode & KEEP_BITS);
    await utimes(bytePath(tmp), Date.now() / 1000, e.mtime);
    await rename(bytePath(tmp), bytePath(final));
  } catch (err) {
    await unlink(bytePath(tmp)).catch(() => undefined);
    throw new LocalError(`${final}: ${describeLocalError(err)}`);
  }
  res.bytesReceived += received;
}

