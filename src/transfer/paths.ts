/**
 * Path rules of transfers, pure: which relative names are safe, where a source lands
 * (rsync's trailing-slash rule), remote path spelling, and whether a
 * symlink fetched from a host stays inside the folder it is written to.
 */
import { posix } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * Why a relative name from a listing is unsafe to use under a root, or undefined when it
 * is safe. Safe: '' (the root itself) or components joined by single '/', none of them
 * '', '.' or '..', no NUL. Anything else could name a place outside the root (`..`,
 * `/etc/passwd`) or be read two ways (`a//b`, `a/./b`); a hostile server may send any of them.
 */
export function unsafeRelative(rel: string): string | undefined {
  if (rel === '') return undefined;
  // The common case in a few native scans: no NUL, not absolute, no empty, '.' or '..' component.
  if (
    !rel.includes('\0') &&
    rel.charCodeAt(0) !== 47 &&
    !rel.includes('//') &&
    !rel.endsWith('/') &&
    !(rel.charCodeAt(0) === 46 && (rel === '.' || rel === '..' || rel.startsWith('./') || rel.startsWith('../'))) &&
    !rel.includes('/./') &&
    !rel.includes('/../') &&
    !rel.endsWith('/.') &&
    !rel.endsWith('/..')
  ) {
    return undefined;
  }
  if (rel.includes('\0')) return 'contains a NUL byte';
  if (rel.startsWith('/')) return 'is absolute';
  for (const part of rel.split('/')) {
    if (part === '') return 'has an empty component';
    if (part === '.' || part === '..') return `has a '${part}' component`;
  }
  return undefined;
}

/** The folder part of a relative name: '' for a top-level name. */
export function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

/** Depth of a relative name: 0 for the root, 1 for a top-level name. */
export function depthOf(rel: string): number {
  if (rel === '') return 0;
  let n = 1;
  for (let i = 0; i < rel.length; i++) if (rel.charCodeAt(i) === 47) n++;
  return n;
}

/** `root` + `/` + `rel`, without doubling the slash of `/`; `rel` '' is the root. */
export function joinRemote(root: string, rel: string): string {
  if (rel === '') return root;
  return root === '/' ? `/${rel}` : `${root}/${rel}`;
}

/**
 * A remote path as the operator typed it, spelled once: repeated slashes collapsed, `.`
 * components and the trailing slash dropped (`trailingSlash` remembers it), `~/x` made
 * relative (SFTP and the login shell both start in the home folder), `~` is the home.
 * `..` is kept as typed: only the host knows what it means through its symlinks.
 * `what` names the argument in errors (`DEST`, `REMOTE`).
 */
export function normalizeRemote(path: string, what: string): { path: string; trailingSlash: boolean } {
  if (path === '') throw new UsageError(`${what} is empty (use . for the remote home folder)`);
  if (path.includes('\0')) throw new UsageError(`${what} contains a NUL byte`);
  let p = path;
  if (p === '~') p = '.';
  else if (p.startsWith('~/')) p = p.slice(2) || '.';
  else if (p.startsWith('~')) throw new UsageError(`${what} ${path}: ~user is not supported (give the path)`);
  const trailingSlash = /\/$/.test(p) || /(^|\/)\.{1,2}$/.test(p);
  const absolute = p.startsWith('/');
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  const joined = parts.join('/');
  // A relative path beginning with '-' would be read as an option or, by find, as an
  // expression (`-delete`): spelled './-x' it is a path to every program.
  const relative = joined === '' ? '.' : joined.startsWith('-') ? `./${joined}` : joined;
  return { path: absolute ? `/${joined}` : relative, trailingSlash };
}

/**
 * A path as an operand of a remote program (find, mkdir, sha256sum, df, …): refused when it
 * could be read as an option or expression. Callers spell paths with normalizeRemote, which
 * never yields one; this is the guard that keeps a future caller from reintroducing one.
 */
export function remoteOperand(path: string): string {
  if (path === '' || path.startsWith('-')) throw new Error(`internal: remote path ${JSON.stringify(path)} would be read as an option`);
  return path;
}

/**
 * rsync's trailing-slash rule for a source argument: `dir/` (also `.`, `..`, `/`, `dir/.`)
 * means the folder's contents; `dir` means the folder itself, landing as DEST/dir.
 */
export function sourceIsContents(arg: string): boolean {
  return arg.endsWith('/') || /(^|\/)\.{1,2}$/.test(arg);
}

/** Basename of a source argument without its trailing slashes ('' for `/`). */
export function sourceName(arg: string): string {
  return posix.basename(arg.replace(/\/+$/, ''));
}

/**
 * Where a tree source lands on the target side: contents (`dir/`) go straight into DEST,
 * the folder itself (`dir`) into DEST/<name>.
 */
export function treeRoot(dest: string, name: string, contents: boolean): string {
  return contents || name === '' || name === '.' || name === '..' ? dest : joinRemote(dest, name);
}

/**
 * Why a symlink fetched from a host would point outside the folder it lands in, or
 * undefined when it stays inside. `rel` is the link's path below that folder, `target`
 * its text, `isLink(path)` says whether a path below the folder is itself a symlink of the
 * same listing. Refused: absolute targets; targets whose `..` climb above the folder; and
 * any `..` after a component that is a symlink, because the real parent of a link's target
 * is not its lexical parent (`c -> x/a/../..` with `x/a -> ../..`, or `x/a/b/..` with
 * `x/a -> ..` and `b -> .`, both escape while looking lexically inside).
 */
export function linkEscapes(rel: string, target: string, isLink: (path: string) => boolean): string | undefined {
  if (target === '') return 'has an empty target';
  if (target.includes('\0')) return 'target contains a NUL byte';
  if (target.startsWith('/')) return `points to an absolute path (${target})`;
  const stack = rel.split('/').slice(0, -1);
  let viaLink = false;
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (viaLink) return `goes up out of another symlink (${target})`;
      if (stack.length === 0) return `points outside (${target})`;
      stack.pop();
      continue;
    }
    stack.push(part);
    if (!viaLink && isLink(stack.join('/'))) viaLink = true;
  }
  return undefined;
}
