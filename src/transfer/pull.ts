/**
 * Carry out a Plan from a host into a local folder (get-all). Local work here: leftovers,
 * deletes, folders, symlinks (recreated from the listing: nothing is read from the host for
 * them), and last the modes and mtimes. File contents come through `fetch` (fetch-files.ts:
 * one remote stream that never leaves REMOTE). Names come from the host's listing and were
 * checked before this runs (no `..`, not absolute, parents are folders of the same listing,
 * symlinks stay inside).
 */
import { chmod, lutimes, mkdir, rename, rmdir, symlink, unlink, utimes, lstat } from 'node:fs/promises';
import type { Entry } from './entry.js';
import { describeLocalError } from './local-tree.js';
import { TempNames } from './temp-names.js';
import { bytePath } from './byte-names.js';
import type { FetchFilesResult } from './fetch-files.js';
import type { Plan } from './plan.js';
import { forEachLimit } from './semaphore.js';
import { byDepth, guardStep } from './steps.js';

/** Symlinks made at once. */
const FILE_LANES = 32;

export interface PullResult {
  filesReceived: number;
  bytesReceived: number;
  filesDeleted: number;
  problems: string[];
  /** Files that changed while read but were fetched as listed. */
  notes: string[];
  /** Set when the file stream did not finish (deadline, cancel, connection, idle). */
  outcome?: FetchFilesResult['outcome'];
  stderr: string;
}

export interface PullInput {
  plan: Plan;
  /** Local path of a relative name (under the host's folder). */
  local: (rel: string) => string;
  /** The local mode of a fetched entry (never looser than on the host). */
  modeOf: (e: Entry) => number;
  /** Fetch these files' contents into place. */
  fetch: (files: Entry[], temps: TempNames) => Promise<FetchFilesResult>;
}

export function newPullResult(): PullResult {
  return { filesReceived: 0, bytesReceived: 0, filesDeleted: 0, problems: [], notes: [], stderr: '' };
}

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

  const blocked = (e: Entry): boolean => {
    const parent = e.rel.includes('/') ? e.rel.slice(0, e.rel.lastIndexOf('/')) : '';
    if (!failedDirs.has(parent)) return false;
    res.problems.push(`${local(e.rel)}: not fetched, its folder could not be created`);
    return true;
  };
  const fetched = await input.fetch(plan.files.filter((e) => !blocked(e)), temps);
  res.filesReceived += fetched.received;
  res.bytesReceived += fetched.bytes;
  res.problems.push(...fetched.problems);
  res.notes.push(...fetched.notes);
  res.stderr += fetched.stderr;
  if (fetched.outcome) {
    res.outcome = fetched.outcome;
    return res;
  }
  await forEachLimit(plan.links, FILE_LANES, async (e) => {
    if (blocked(e)) return;
    if (await guard(fetchLink(input, e, temps))) res.filesReceived++;
  });

  const setAttrs = async (e: Entry): Promise<void> => {
    const p = local(e.rel);
    await wrap(p, chmod(bytePath(p), input.modeOf(e)));
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
