/**
 * The local side of a transfer: walk a tree into Entries (put-all's source, get-all's
 * target), hash files for --checksum, and remove our leftover temporary files.
 */
import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../errors.js';
import type { Entry, EntryType } from './entry.js';
import type { Excluder } from './exclude.js';
import { isTempName } from './temp-names.js';
import { bytePath, decodeName } from './byte-names.js';

export interface LocalTree {
  /** 'tree': a folder, entries below it ('' is the folder); 'single': one file or symlink, entry rel ''. */
  kind: 'tree' | 'single';
  /** Absolute local path of the root. */
  root: string;
  /** Parents before children. */
  entries: Entry[];
  /** Leftover temporary files of an interrupted run (relative names). */
  temps: string[];
  /** What was skipped and why (special files, dangling links with -L). */
  skipped: string[];
}

export interface WalkOptions {
  /** -L: follow every symlink and send what it points to. */
  followLinks: boolean;
  /** Follow the root itself when it is a symlink (a source given as `dir/`, or -L). */
  followRoot: boolean;
  excluder?: Excluder;
  /** Errors (unreadable folders) stop the walk; otherwise they are listed in `skipped`. */
  strict: boolean;
}

export class LocalWalkError extends Error {}

function typeOf(st: Stats): EntryType | undefined {
  if (st.isFile()) return 'f';
  if (st.isDirectory()) return 'd';
  if (st.isSymbolicLink()) return 'l';
  return undefined;
}

function entryOf(rel: string, st: Stats, type: EntryType, target?: string): Entry {
  const e: Entry = {
    rel,
    type,
    mode: st.mode & 0o7777,
    size: type === 'f' ? st.size : 0,
    mtime: st.mtimeMs / 1000,
    atime: st.atimeMs / 1000,
  };
  if (target !== undefined) e.target = target;
  return e;
}

/** Walk `root`; a missing root gives an empty tree (`exists: false`). */
export async function walkLocal(root: string, opts: WalkOptions): Promise<LocalTree & { exists: boolean }> {
  const skipped: string[] = [];
  const temps: string[] = [];
  const entries: Entry[] = [];
  const fail = (what: string, err: unknown): void => {
    const msg = `${what}: ${describeLocalError(err)}`;
    if (opts.strict) throw new LocalWalkError(msg);
    skipped.push(msg);
  };

  let top: Stats;
  try {
    top = opts.followRoot || opts.followLinks ? await stat(bytePath(root)) : await lstat(bytePath(root));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      // A dangling symlink at the root is still something (a link to send).
      const l = await lstat(bytePath(root)).catch(() => undefined);
      if (!l) return { kind: 'tree', root, entries, temps, skipped, exists: false };
      top = l;
    } else {
      fail(root, err);
      return { kind: 'tree', root, entries, temps, skipped, exists: false };
    }
  }
  const topType = typeOf(top);
  if (topType === undefined) throw new LocalWalkError(`${root}: not a file, folder or symlink`);
  if (topType !== 'd') {
    const target = topType === 'l' ? await linkText(root) : undefined;
    return { kind: 'single', root, entries: [entryOf('', top, topType, target)], temps, skipped, exists: true };
  }
  entries.push(entryOf('', top, 'd'));

  // Folders being walked, by device and inode: -L must not loop through a link to a parent.
  const walk = async (dir: string, rel: string, ancestors: Set<string>): Promise<void> => {
    let names: string[];
    try {
      // As bytes: a name that is not UTF-8 is still a name (see byte-names.ts).
      names = (await readdir(bytePath(dir), { encoding: 'buffer' })).map(decodeName);
    } catch (err) {
      fail(dir, err);
      return;
    }
    names.sort();
    const stats = await Promise.all(
      names.map(async (name) => {
        const path = join(dir, name);
        try {
          const l = await lstat(bytePath(path));
          if (!l.isSymbolicLink() || !opts.followLinks) return { name, path, st: l, target: l.isSymbolicLink() ? await linkText(path) : undefined };
          try {
            return { name, path, st: await stat(bytePath(path)), target: undefined };
          } catch {
            skipped.push(`${path}: symlink to nothing, not sent (-L)`);
            return undefined;
          }
        } catch (err) {
          fail(path, err);
          return undefined;
        }
      }),
    );
    const subdirs: Array<Promise<void>> = [];
    for (const s of stats) {
      if (!s) continue;
      const childRel = rel === '' ? s.name : `${rel}/${s.name}`;
      const type = typeOf(s.st);
      if (type === undefined) {
        skipped.push(`${s.path}: not a file, folder or symlink, not sent`);
        continue;
      }
      if ((type === 'f' || type === 'l') && isTempName(s.name)) {
        temps.push(childRel);
        continue;
      }
      if (opts.excluder?.excludes(childRel, type === 'd')) continue;
      entries.push(entryOf(childRel, s.st, type, s.target));
      if (type === 'd') {
        const id = `${s.st.dev}:${s.st.ino}`;
        if (ancestors.has(id)) {
          skipped.push(`${s.path}: a symlink loop back to a parent folder, not descended (-L)`);
          continue;
        }
        subdirs.push(walk(s.path, childRel, new Set([...ancestors, id])));
      }
    }
    await Promise.all(subdirs);
  };
  await walk(root, '', new Set([`${top.dev}:${top.ino}`]));
  // Parents before children, siblings in a stable order (the walk finishes out of order).
  entries.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { kind: 'tree', root, entries, temps, skipped, exists: true };
}

/** A symlink's target, read as bytes. */
async function linkText(path: string): Promise<string> {
  return decodeName(await readlink(bytePath(path), { encoding: 'buffer' }));
}

/** "permission denied" rather than "EACCES: permission denied, scandir '/x'". */
export function describeLocalError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'not a folder';
    case 'ENOSPC':
      return 'no space left on device';
    case 'ELOOP':
      return 'too many levels of symlinks';
    default:
      return errorMessage(err);
  }
}

/** SHA-256 of local files, each computed once per run however many hosts compare with it. */
export class LocalHasher {
  private readonly cache = new Map<string, Promise<string>>();

  hash(path: string, e: Entry): Promise<string> {
    const key = `${path}\0${e.size}\0${e.mtime}`;
    let p = this.cache.get(key);
    if (!p) {
      p = new Promise<string>((resolve, reject) => {
        const h = createHash('sha256');
        createReadStream(bytePath(path))
          .on('data', (c) => h.update(c))
          .on('error', reject)
          .on('end', () => resolve(h.digest('hex')));
      });
      this.cache.set(key, p);
    }
    return p;
  }
}
