/**
 * What a transfer has to do on one host, from the two listings: pure, so every rule is a
 * unit test. The source side is what should exist below the root; the target side is what
 * exists there now. Execution order (see push.ts / pull.ts): remove temporary files, deletes
 * (deepest first), folders (parents first), files and symlinks, attribute fixes, and last the
 * folders' mode and mtime (writing into a folder changes its mtime, so it is set after).
 */
import { mtimeSecond, type Entry } from './entry.js';
import type { Excluder } from './exclude.js';
import { depthOf, parentOf } from './paths.js';

export interface PlanOptions {
  /** --changed: skip files that are the same on both sides; without it everything is sent. */
  changed: boolean;
  /** --checksum: "the same" means same size and SHA-256 (both sides carry sha256), not same size and mtime. */
  checksum: boolean;
  /** --delete: remove target entries that are not in the source. */
  delete: boolean;
  /** Entries neither compared, sent nor deleted (they may exist on either side). */
  excluder?: Excluder;
}

export interface Plan {
  /** Leftover temporary files of an interrupted run, to remove first. */
  removeTemps: string[];
  /** Target entries to remove, deepest first: --delete extras, and non-folders in the way of a folder. */
  deletes: Entry[];
  /** Source folders to create, parents first. */
  mkdirs: Entry[];
  /** Source files whose content is sent. */
  files: Entry[];
  /** Source symlinks to (re)create. */
  links: Entry[];
  /** Source files whose content is the same but whose mode or mtime differ. */
  fileAttrs: Entry[];
  /** Source folders whose mode and mtime are set at the end (new, written into, or different). */
  dirAttrs: Entry[];
  /** Entries that cannot be done, with the reason (a folder in the way of a file without --delete). */
  conflicts: string[];
  /** Source entries already as they should be. */
  unchanged: number;
}

const perm = (e: Entry): number => e.mode & 0o7777;

function sameContent(s: Entry, t: Entry, checksum: boolean): boolean {
  if (s.size !== t.size) return false;
  if (checksum) return s.sha256 !== undefined && s.sha256 === t.sha256;
  return mtimeSecond(s) === mtimeSecond(t);
}

/**
 * Plan one host's transfer. `source` and `target` hold safe relative names only (the
 * callers drop unsafe ones and report them); `target` may be empty (nothing there yet).
 */
export function planTransfer(
  source: readonly Entry[],
  target: readonly Entry[],
  targetTemps: readonly string[],
  opts: PlanOptions,
): Plan {
  const ex = opts.excluder;
  const excluded = (e: Entry): boolean => ex !== undefined && !ex.empty && ex.excludes(e.rel, e.type === 'd');
  const src = new Map<string, Entry>();
  for (const e of source) if (!excluded(e)) src.set(e.rel, e);
  const tgt = new Map<string, Entry>();
  for (const e of target) if (!excluded(e)) tgt.set(e.rel, e);

  const plan: Plan = {
    removeTemps: [...targetTemps],
    deletes: [],
    mkdirs: [],
    files: [],
    links: [],
    fileAttrs: [],
    dirAttrs: [],
    conflicts: [],
    unchanged: 0,
  };
  const deleting = new Set<string>();
  const dirty = new Set<string>();
  const touch = (rel: string): void => {
    if (rel !== '') dirty.add(parentOf(rel));
  };
  for (const t of targetTemps) touch(t);

  /** Delete a target entry and, for a folder, everything below it that the listing holds. */
  const del = (t: Entry): void => {
    if (deleting.has(t.rel)) return;
    deleting.add(t.rel);
    if (t.type === 'd') {
      const prefix = t.rel === '' ? '' : `${t.rel}/`;
      for (const [rel, e] of tgt) if (rel.startsWith(prefix) && rel !== t.rel && !deleting.has(rel)) deleting.add(e.rel);
    }
  };
  /** Source entries below a folder that could not be made are skipped. */
  const blocked = new Set<string>();
  const underBlocked = (rel: string): boolean => {
    for (let p = parentOf(rel); ; p = parentOf(p)) {
      if (blocked.has(p)) return true;
      if (p === '') return false;
    }
  };

  for (const s of src.values()) {
    if (s.rel !== '' && underBlocked(s.rel)) {
      blocked.add(s.rel);
      continue;
    }
    const t = tgt.get(s.rel);
    if (s.type === 'd') {
      if (t === undefined) {
        plan.mkdirs.push(s);
        touch(s.rel);
      } else if (t.type !== 'd') {
        if (s.rel === '') {
          plan.conflicts.push(`the destination is a ${t.type === 'f' ? 'file' : 'symlink'}, not a folder`);
          blocked.add(s.rel);
          continue;
        }
        del(t);
        plan.mkdirs.push(s);
        touch(s.rel);
      } else if (perm(s) !== perm(t) || mtimeSecond(s) !== mtimeSecond(t)) {
        dirty.add(s.rel);
      }
      continue;
    }
    // A file or a symlink.
    if (t !== undefined && t.type === 'd') {
      if (!opts.delete) {
        plan.conflicts.push(`${s.rel}: a folder is in the way of a ${s.type === 'f' ? 'file' : 'symlink'} (use --delete to replace it)`);
        continue;
      }
      del(t);
    }
    const same = t !== undefined && t.type === s.type && opts.changed;
    if (s.type === 'f') {
      if (same && sameContent(s, t, opts.checksum)) {
        if (perm(s) !== perm(t) || mtimeSecond(s) !== mtimeSecond(t)) plan.fileAttrs.push(s);
        else plan.unchanged++;
      } else {
        plan.files.push(s);
        touch(s.rel);
      }
    } else if (same && s.target === t.target) {
      plan.unchanged++;
    } else {
      plan.links.push(s);
      touch(s.rel);
    }
  }

  if (opts.delete) {
    for (const t of tgt.values()) if (!src.has(t.rel) && t.rel !== '') del(t);
  }
  for (const rel of deleting) {
    const t = tgt.get(rel);
    if (t) {
      plan.deletes.push(t);
      touch(rel);
    }
  }
  plan.deletes.sort((a, b) => depthOf(b.rel) - depthOf(a.rel) || (a.rel < b.rel ? -1 : 1));

  // Folders whose mode and mtime are set last: new ones, ones written into, ones that differ.
  for (const s of src.values()) {
    if (s.type !== 'd' || blocked.has(s.rel)) continue;
    const t = tgt.get(s.rel);
    const isNew = t === undefined || t.type !== 'd';
    if (isNew || dirty.has(s.rel)) plan.dirAttrs.push(s);
    else plan.unchanged++;
  }
  return plan;
}

/** Counts for reports: what a plan sends and deletes. */
export function planCounts(plan: Plan): { files: number; bytes: number; deletes: number } {
  let bytes = 0;
  for (const f of plan.files) bytes += f.size;
  return { files: plan.files.length + plan.links.length, bytes, deletes: plan.deletes.length };
}

/** The --dry-run text of a plan, one action a line, paths shown under `show` (the root as the operator named it). */
export function describePlan(plan: Plan, show: (rel: string) => string, send: 'send' | 'fetch' = 'send'): string[] {
  const lines: string[] = [];
  for (const t of plan.removeTemps) lines.push(`remove leftover ${show(t)}`);
  for (const d of plan.deletes) lines.push(`delete ${show(d.rel)}${d.type === 'd' ? '/' : ''}`);
  for (const d of plan.mkdirs) lines.push(`mkdir ${show(d.rel)}/`);
  for (const f of plan.files) lines.push(`${send} ${show(f.rel)} (${f.size} bytes)`);
  for (const l of plan.links) lines.push(`link ${show(l.rel)} -> ${l.target ?? ''}`);
  for (const f of plan.fileAttrs) lines.push(`set mode/mtime ${show(f.rel)}`);
  for (const c of plan.conflicts) lines.push(`cannot: ${c}`);
  return lines;
}
