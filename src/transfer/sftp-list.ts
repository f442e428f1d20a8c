/**
 * A tree's listing read through the host's SFTP session (STAT, OPENDIR/READDIR, READLINK)
 * instead of the listing command (remote-list.ts): no session channel, shell or find process
 * on the host. That command was a quarter of the server's CPU for a put-all --changed of 10
 * files of 1000 to 50 hosts (the login shell and find, per host), where the SFTP session is
 * opened anyway. Folders of one depth are read at once, each with a few READDIRs in flight.
 *
 * The answer is the bytes the command would print (remote-list.ts's format, whole-second
 * mtimes), so that parsing, the memo of hosts that answer alike, and planning stay one path.
 * Only for what the command does beyond listing nothing but creating the parent: a tree,
 * without --checksum, --delete (judged by the host's own realpath) or -L. Anything unusual
 * (a name that does not come back as UTF-8, a folder that cannot be read, a parent that
 * cannot be made) answers `undefined`: the caller runs the command, which handles it as
 * before (bytes for names, find's warnings, its exit status).
 */
import { joinRemote } from './paths.js';
import { FX, SftpError, type DirEntry, type SftpSession } from './sftp.js';

/** READDIRs sent at once per folder: OpenSSH answers up to 100 entries each, then end-of-folder. */
const READ_AHEAD = 3;

const TYPE_OF: Record<number, string> = {
  0o100000: 'f',
  0o040000: 'd',
  0o120000: 'l',
  0o010000: 'p',
  0o140000: 's',
  0o020000: 'c',
  0o060000: 'b',
};

/** find's %y letter for a mode; '?' for what it does not know. */
export function typeLetter(mode: number): string {
  return TYPE_OF[mode & 0o170000] ?? '?';
}

/** Thrown inside the walk: this host's listing goes to the command instead. */
class Unusual extends Error {}

/** A name ssh2 could not decode as UTF-8 shows U+FFFD: its bytes are lost, the command keeps them. */
function checkedName(name: string): string {
  if (name.includes('\uFFFD') || name === '' || name.includes('/')) throw new Unusual(name);
  return name;
}

function record(type: string, attrs: { mode: number; size: number; mtime: number }, rel: string, link: string): string {
  return `${type}\0${(attrs.mode & 0o7777).toString(8)}\0${attrs.size}\0${attrs.mtime}\0${rel}\0${link}\0`;
}

/**
 * The listing of `root` (find -H: the root itself followed if it is a symlink, nothing below
 * followed), with its parent made first when `createParent` and the root is missing. Lost
 * sessions are thrown as SftpError; `undefined` means "use the listing command".
 */
export async function listTreeBySftp(sftp: SftpSession, root: string, createParent: boolean): Promise<Buffer | undefined> {
  try {
    const out: string[] = ['LWT1\0T\0'];
    // Sent together: the root followed, the root itself, its parent (one round trip).
    const parent = remoteParent(root) === root ? undefined : remoteParent(root);
    const [followed, itself, parentStat] = await Promise.all([
      settle(sftp.stat(root)),
      settle(sftp.lstat(root)),
      parent !== undefined && createParent ? settle(sftp.stat(parent)) : Promise.resolve(undefined),
    ]);
    if (followed.ok) {
      const type = typeLetter(followed.value.mode);
      out.push(record(type, followed.value, '', ''));
      if (type === 'd') await walk(sftp, root, out);
    } else if (itself.ok && typeLetter(itself.value.mode) === 'l') {
      // A dangling symlink: listed as itself, as find -H does.
      out.push(record('l', itself.value, '', await sftp.readlink(root)));
    } else if (!itself.ok && missing(followed.error) && missing(itself.error)) {
      if (parent !== undefined && parentStat !== undefined && !(parentStat.ok && parentStat.value.isDirectory())) {
        if (!(await makeFolders(sftp, parent))) return undefined;
      }
    } else {
      return undefined;
    }
    return Buffer.from(out.join(''), 'utf8');
  } catch (err) {
    if (err instanceof SftpError && err.lost) throw err;
    if (err instanceof Unusual || err instanceof SftpError) return undefined;
    throw err;
  }
}

/** Read every folder below `root`, one depth at a time, all folders of a depth at once. */
async function walk(sftp: SftpSession, root: string, out: string[]): Promise<void> {
  let level: string[] = [''];
  while (level.length > 0) {
    const next: string[] = [];
    const links: Array<{ at: number; rel: string }> = [];
    const read = await Promise.all(level.map((rel) => readFolder(sftp, joinRemote(root, rel))));
    read.forEach((entries, i) => {
      const dir = level[i]!;
      for (const e of entries) {
        const rel = dir === '' ? checkedName(e.filename) : `${dir}/${checkedName(e.filename)}`;
        const type = typeLetter(e.attrs.mode);
        if (type === 'd') next.push(rel);
        if (type === 'l') links.push({ at: out.length, rel });
        out.push(record(type, e.attrs, rel, ''));
      }
    });
    // Symlink targets of this depth, all at once; a target must survive as UTF-8 too.
    const targets = await Promise.all(links.map((l) => sftp.readlink(joinRemote(root, l.rel))));
    links.forEach((l, i) => {
      const target = targets[i]!;
      if (target.includes('\uFFFD') || target.includes('\0')) throw new Unusual(l.rel);
      out[l.at] = out[l.at]!.slice(0, -1) + `${target}\0`;
    });
    level = next;
  }
}

/** Every entry of one folder: READ_AHEAD READDIRs in flight until one says the folder ended. */
async function readFolder(sftp: SftpSession, path: string): Promise<DirEntry[]> {
  const handle = await sftp.opendir(path);
  const entries: DirEntry[] = [];
  try {
    for (let ended = false; !ended; ) {
      const batch = await Promise.all(Array.from({ length: READ_AHEAD }, () => sftp.readdir(handle, path)));
      for (const b of batch) {
        if (b === undefined) ended = true;
        else if (!ended) entries.push(...b);
      }
    }
  } finally {
    // Not waited for: the server answers it in order, and a failure changes nothing here.
    sftp.closeHandle(handle, path).catch(() => undefined);
  }
  return entries;
}

/** mkdir -p through SFTP: the missing folders from the first that exists down. */
async function makeFolders(sftp: SftpSession, dir: string): Promise<boolean> {
  const missingDirs: string[] = [];
  for (let d = dir; ; d = remoteParent(d)) {
    const st = await settle(sftp.stat(d));
    if (st.ok) {
      if (!st.value.isDirectory()) return false;
      break;
    }
    if (!missing(st.error)) return false;
    missingDirs.push(d);
    if (remoteParent(d) === d) return false;
  }
  for (const d of missingDirs.reverse()) {
    const made = await settle(sftp.mkdir(d));
    if (!made.ok) {
      const st = await settle(sftp.stat(d));
      if (!(st.ok && st.value.isDirectory())) return false;
    }
  }
  return true;
}

/** The parent of a remote path as the listing command's `mkdir -p` sees it ('.' for a bare name). */
function remoteParent(p: string): string {
  const i = p.lastIndexOf('/');
  if (i < 0) return '.';
  return i === 0 ? '/' : p.slice(0, i);
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

async function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    if (error instanceof SftpError && error.lost) throw error;
    return { ok: false, error };
  }
}

function missing(err: unknown): boolean {
  return err instanceof SftpError && err.code === FX.NO_SUCH_FILE;
}
