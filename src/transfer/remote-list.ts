/**
 * The remote side's listing in ONE command per host (not one SFTP round trip per folder):
 * GNU find prints type, mode, size, mtime, name and link target of every entry, NUL
 * separated so that any file name survives; with --checksum the same command then runs
 * sha256sum over every file of the tree (`find … -exec sha256sum -z {} +`). The command also
 * creates missing parent folders of the destination (`mkdir -p`) unless this is a dry run.
 *
 * Output: "LWT1\0<K>\0" where K is T (tree), D (DEST is a folder: the file lands inside) or
 * F (DEST is the file's own name), then records of six fields
 * "<type>\0<mode octal>\0<size>\0<mtime>\0<relative name>\0<link target>\0", then, with
 * checksums, "=\0" and "<64 hex>  <path>\0" per file.
 */
import { shellQuote } from '../core/shell-quote.js';
import type { Entry, EntryType } from './entry.js';
import { parentOf, remoteOperand, unsafeRelative } from './paths.js';
import { isTempName, TEMP_FIND_GLOB } from './temp-names.js';
import { decodeName } from './byte-names.js';
import { isUtf8 } from 'node:buffer';

export type ListingSpec =
  | {
      kind: 'tree';
      /** The tree's root on the host. */
      root: string;
      /** -L: follow every symlink; otherwise only the root (find -H). */
      followAll?: boolean;
      checksum: boolean;
      /** mkdir -p the root's parent first. */
      createParent: boolean;
      /**
       * Print the root's real path and the login folder's (symlinks and `..` resolved on the
       * host, after the parent was created) before the records: what --delete is judged by.
       */
      resolve?: boolean;
    }
  | {
      kind: 'file';
      /** DEST as given; with `destIsDir` (a trailing slash) it is a folder, else the host decides. */
      dest: string;
      destIsDir: boolean;
      /** The source file's name, used when the file lands inside DEST. */
      name: string;
      checksum: boolean;
      createParent: boolean;
    };

const PRINTF = `'%y\\0%m\\0%s\\0%T@\\0%P\\0%l\\0'`;
const TEMP_GLOB = shellQuote(TEMP_FIND_GLOB);

/** A path as a quoted operand: never one that begins with '-' (find would take `-delete` as an action). */
function operand(path: string): string {
  return shellQuote(remoteOperand(path));
}

/** Escape a literal name for find -name. */
function findName(name: string): string {
  return shellQuote(name.replace(/[\\*?[\]]/g, '\\$&'));
}

function parentPath(p: string): string {
  const i = p.lastIndexOf('/');
  if (i < 0) return '.';
  return i === 0 ? '/' : p.slice(0, i);
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Where a file lands, in the two cases a `file` listing decides between. */
export function fileLanding(spec: Extract<ListingSpec, { kind: 'file' }>, destIsFolder: boolean): { dir: string; name: string } {
  return destIsFolder ? { dir: spec.dest, name: spec.name } : { dir: parentPath(spec.dest), name: baseName(spec.dest) };
}

/**
 * The POSIX sh script that lists (and prepares) one host's side. With `hold`, the script first
 * reads a nonce line from stdin, ends the listing with `LWT-END-<nonce> <status>\0` instead of
 * exiting, and then waits for one more line: `p` runs `receiver` in its place (exec: the same
 * process, no new channel), anything else (or EOF) exits with the listing's status.
 */
export function listingScript(spec: ListingSpec, hold?: { receiver: string }): string {
  const lines = hold ? ['read -r lwt_n || exit 0', 's=0'] : ['s=0'];
  // Tested first with the shell's own `[`: the parent mostly exists, and mkdir is a process per host.
  const mkdirP = (dir: string): string => `[ -d ${operand(dir)} ] || mkdir -p -- ${operand(dir)} || exit 96`;
  if (spec.kind === 'tree') {
    const r = operand(spec.root);
    const follow = spec.followAll ? '-L' : '-H';
    if (spec.createParent && parentPath(spec.root) !== spec.root) lines.push(mkdirP(parentPath(spec.root)));
    lines.push(`printf 'LWT1\\0T\\0'`);
    if (spec.resolve) {
      // realpath -m: the root itself may not exist yet (SFTP creates it), its parents do.
      lines.push(`printf '@\\0%s\\0%s\\0' "$(realpath -m -- ${r})" "$(pwd -P)" || exit 97`);
    }
    lines.push(`if [ -e ${r} ] || [ -h ${r} ]; then`);
    lines.push(`  find ${follow} ${r} -printf ${PRINTF} || s=1`);
    if (spec.checksum) {
      lines.push(`  printf '=\\0'`);
      lines.push(`  find ${follow} ${r} -type f ! -name ${TEMP_GLOB} -exec sha256sum -z -- {} + || s=1`);
    }
    lines.push('fi');
  } else {
    const listIn = (dir: string, name: string): string[] => {
      const d = operand(dir);
      const out = [`  find -H ${d} -mindepth 1 -maxdepth 1 \\( -name ${findName(name)} -o -name ${TEMP_GLOB} \\) -printf ${PRINTF} || s=1`];
      if (spec.checksum) {
        out.push(`  printf '=\\0'`);
        out.push(`  find -H ${d} -mindepth 1 -maxdepth 1 -name ${findName(name)} -type f -exec sha256sum -z -- {} + || s=1`);
      }
      return out;
    };
    const inside = fileLanding(spec, true);
    const asName = fileLanding(spec, false);
    if (spec.destIsDir) {
      if (spec.createParent) lines.push(mkdirP(spec.dest));
      lines.push(`printf 'LWT1\\0D\\0'`);
      lines.push(`if [ -d ${operand(spec.dest)} ]; then`, ...listIn(inside.dir, inside.name), 'fi');
    } else {
      lines.push(`if [ -d ${operand(spec.dest)} ]; then`);
      lines.push(`  printf 'LWT1\\0D\\0'`, ...listIn(inside.dir, inside.name));
      lines.push('else');
      if (spec.createParent && asName.dir !== '.' && asName.dir !== '/') lines.push(`  ${mkdirP(asName.dir)}`);
      lines.push(`  printf 'LWT1\\0F\\0'`);
      lines.push(`  if [ -d ${operand(asName.dir)} ]; then`, ...listIn(asName.dir, asName.name).map((l) => `  ${l}`), '  fi');
      lines.push('fi');
    }
  }
  if (hold) {
    lines.push(`printf 'LWT-END-%s %s\\0' "$lwt_n" "$s"`);
    lines.push('read -r lwt_go || exit $s', '[ "$lwt_go" = p ] || exit $s', `exec ${hold.receiver}`);
  } else {
    lines.push('exit $s');
  }
  return lines.join('\n');
}

export interface Listing {
  /** T: a tree listing; D: DEST is a folder and the file lands inside; F: DEST names the file. */
  kind: 'T' | 'D' | 'F';
  /** Safe entries, with sha256 filled in from the checksum part. */
  entries: Entry[];
  /** Our temporary files left by an interrupted run. */
  temps: string[];
  /** Entries skipped, with why: unsafe names, special files. */
  problems: string[];
  /** Special files (fifo, socket, device) seen: never sent; on the target side they are replaced like files. */
  specials: Entry[];
  /** With `resolve`: the root's real path and the login folder's, as the host resolved them. */
  resolved?: { root: string; home: string };
}

const TYPES: Record<string, EntryType> = { f: 'f', d: 'd', l: 'l' };

/** 1 to 6 octal digits (find's %m). */
function isOctal(m: string): boolean {
  if (m.length === 0 || m.length > 6) return false;
  for (let k = 0; k < m.length; k++) {
    const c = m.charCodeAt(k);
    if (c < 48 || c > 55) return false;
  }
  return true;
}

/**
 * Parse a listing. `sumsPrefix` is the path find printed before each relative name in the
 * checksum part (the root or folder listed, plus '/'). Throws on output that is not a listing.
 */
export function parseListing(out: Buffer | string, sumsPrefix: (kind: Listing['kind']) => string): Listing {
  const start = out.indexOf('LWT1\0');
  if (start < 0) throw new Error('the listing command printed no listing');
  const f = typeof out === 'string' ? out.slice(start).split('\0') : nulFields(out.subarray(start));
  const kindField = f[1];
  if (kindField !== 'T' && kindField !== 'D' && kindField !== 'F') throw new Error(`unreadable listing (kind ${JSON.stringify(kindField)})`);
  const listing: Listing = { kind: kindField, entries: [], temps: [], problems: [], specials: [] };
  const byRel = new Map<string, Entry>();
  let i = 2;
  if (f[2] === '@') {
    const root = f[3] ?? '';
    const home = f[4] ?? '';
    if (!root.startsWith('/') || !home.startsWith('/')) throw new Error('the host could not resolve the destination (realpath -m is needed for --delete)');
    listing.resolved = { root, home };
    i = 5;
  }
  // Checked field by field without regular expressions: 50 hosts × 1000 entries is 50k records.
  for (; i + 5 < f.length && f[i] !== '='; i += 6) {
    const y = f[i]!;
    const m = f[i + 1]!;
    const s = f[i + 2]!;
    const t = f[i + 3]!;
    const rel = f[i + 4]!;
    const link = f[i + 5]!;
    const mode = parseInt(m, 8);
    const size = Number(s);
    const mtime = Number(t);
    if (y.length !== 1 || !isOctal(m) || s === '' || !Number.isSafeInteger(size) || size < 0 || t === '' || !Number.isFinite(mtime)) {
      throw new Error(`unreadable listing record near ${JSON.stringify(rel.slice(0, 80))}`);
    }
    const bad = unsafeRelative(rel);
    if (bad) {
      listing.problems.push(`refused a name from the host: ${JSON.stringify(rel)} ${bad}`);
      continue;
    }
    const type = TYPES[y];
    if (type === undefined) {
      // Never "the same" as a file (size -1), so a file sent there replaces it.
      listing.specials.push({ rel, type: 'f', mode: mode & 0o7777, size: -1, mtime });
      continue;
    }
    if (isTempName(rel.slice(rel.lastIndexOf('/') + 1)) && type !== 'd') {
      listing.temps.push(rel);
      continue;
    }
    const e: Entry = { rel, type, mode: mode & 0o7777, size: type === 'f' ? size : 0, mtime };
    if (type === 'l') e.target = link;
    listing.entries.push(e);
    byRel.set(rel, e);
  }
  if (f[i] === '=') {
    const prefix = sumsPrefix(listing.kind);
    for (i++; i < f.length; i++) {
      const line = f[i]!;
      if (line === '') continue;
      const m = /^([0-9a-f]{64}) [ *](.*)$/s.exec(line);
      if (!m) continue;
      const path = m[2]!;
      if (!path.startsWith(prefix)) continue;
      const e = byRel.get(path.slice(prefix.length));
      if (e && e.type === 'f') e.sha256 = m[1]!;
    }
  }
  return listing;
}

/**
 * The NUL-separated fields of a listing read as bytes: names are bytes on the host, and one
 * that is not UTF-8 is decoded with escapes (byte-names.ts) so that it can be named exactly.
 */
function nulFields(b: Buffer): string[] {
  if (isUtf8(b)) return b.toString('utf8').split('\0');
  const fields: string[] = [];
  let from = 0;
  for (let i = b.indexOf(0, from); i >= 0; i = b.indexOf(0, from)) {
    fields.push(decodeName(b.subarray(from, i)));
    from = i + 1;
  }
  fields.push(decodeName(b.subarray(from)));
  return fields;
}

/** The prefix find puts before relative names when listing `root`. */
export function findPrefix(root: string): string {
  return root === '/' ? '/' : `${root}/`;
}

/** Entries whose parent is not a folder of the same listing (a hostile listing's `link/file`). */
export function orphans(entries: readonly Entry[], rootIsTree: boolean): Entry[] {
  const dirs = new Set(entries.filter((e) => e.type === 'd').map((e) => e.rel));
  return entries.filter((e) => {
    if (e.rel === '') return false;
    const p = parentOf(e.rel);
    return p === '' ? rootIsTree && !dirs.has('') : !dirs.has(p);
  });
}

