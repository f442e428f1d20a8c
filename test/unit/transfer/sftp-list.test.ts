import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listTreeBySftp, typeLetter } from '../../../src/transfer/sftp-list.js';
import { parseListing } from '../../../src/transfer/remote-list.js';
import { FX, SftpError, type SftpSession } from '../../../src/transfer/sftp.js';

interface Node {
  mode: number;
  size?: number;
  mtime?: number;
  target?: string;
  /** Reading this folder is refused. */
  locked?: boolean;
}

/**
 * An SFTP session over an in-memory host: absolute paths to nodes. READDIR answers at most
 * 100 entries, as OpenSSH does; every request is counted by kind.
 */
function fakeHost(nodes: Record<string, Node>) {
  const counts: Record<string, number> = {};
  const count = (op: string): void => {
    counts[op] = (counts[op] ?? 0) + 1;
  };
  const fail = (op: string, path: string, code: number): never => {
    throw new SftpError(op, path, code, code === FX.NO_SUCH_FILE ? 'no such file or folder' : 'permission denied');
  };
  const stats = (n: Node) => ({ mode: n.mode, size: n.size ?? 0, mtime: n.mtime ?? 1000, isDirectory: () => (n.mode & 0o170000) === 0o040000 });
  const follow = (path: string): Node | undefined => {
    const n = nodes[path];
    return n && (n.mode & 0o170000) === 0o120000 ? nodes[n.target!] : n;
  };
  const open = new Map<string, { names: string[]; at: number }>();
  const session = {
    async stat(path: string) {
      count('stat');
      const n = follow(path);
      return n ? stats(n) : fail('stat', path, FX.NO_SUCH_FILE);
    },
    async lstat(path: string) {
      count('lstat');
      const n = nodes[path];
      return n ? stats(n) : fail('lstat', path, FX.NO_SUCH_FILE);
    },
    async opendir(path: string) {
      count('opendir');
      const n = follow(path);
      if (!n) return fail('opendir', path, FX.NO_SUCH_FILE);
      if (n.locked) return fail('opendir', path, FX.PERMISSION_DENIED);
      const real = nodes[path]?.target ?? path;
      const names = Object.keys(nodes).filter((p) => p.startsWith(`${real}/`) && !p.slice(real.length + 1).includes('/')).map((p) => p.slice(real.length + 1));
      const h = `h${open.size}`;
      open.set(h, { names, at: 0 });
      return Buffer.from(`${h}\0${real}`);
    },
    async readdir(handle: Buffer) {
      count('readdir');
      const [h, real] = handle.toString().split('\0') as [string, string];
      const o = open.get(h)!;
      if (o.at >= o.names.length) return undefined;
      const batch = o.names.slice(o.at, o.at + 100);
      o.at += batch.length;
      return batch.map((name) => {
        const n = nodes[`${real}/${name}`]!;
        return { filename: name, attrs: { mode: n.mode, size: n.size ?? 0, mtime: n.mtime ?? 1000 } };
      });
    },
    async closeHandle() {
      count('close');
    },
    async readlink(path: string) {
      count('readlink');
      return nodes[path]!.target!;
    },
    async mkdir(path: string) {
      count('mkdir');
      nodes[path] = { mode: 0o040755 };
    },
  };
  return { session: session as unknown as SftpSession, counts, nodes };
}

const DIR = 0o040000;
const FILE = 0o100000;
const LINK = 0o120000;
const FIFO = 0o010000;
const prefix = (): string => '/r/';

test('typeLetter: find\'s %y letters from a mode', () => {
  assert.deepEqual([FILE, DIR, LINK, FIFO, 0o140000, 0o020000, 0o060000, 0].map((m) => typeLetter(m | 0o644)), ['f', 'd', 'l', 'p', 's', 'c', 'b', '?']);
});

test('listTreeBySftp: every entry of the tree, as the listing command prints it; a folder of 250 entries read in one round of READDIRs', async () => {
  const nodes: Record<string, Node> = {
    '/r': { mode: DIR | 0o755, mtime: 50 },
    '/r/a': { mode: FILE | 0o640, size: 3, mtime: 100 },
    '/r/d': { mode: DIR | 0o700, mtime: 60 },
    '/r/d/e': { mode: DIR | 0o755, mtime: 61 },
    '/r/d/e/deep': { mode: FILE | 0o600, size: 1, mtime: 7 },
    '/r/l': { mode: LINK | 0o777, target: '../elsewhere', mtime: 70 },
    '/r/fifo': { mode: FIFO | 0o644, mtime: 80 },
    '/r/.lwt-tmp-0123456789ab0000-0': { mode: FILE | 0o600, size: 0 },
  };
  for (let i = 0; i < 250; i++) nodes[`/r/many/f${i}`] = { mode: FILE | 0o644, size: i, mtime: 1000 + i };
  nodes['/r/many'] = { mode: DIR | 0o755, mtime: 90 };
  const host = fakeHost(nodes);
  const out = await listTreeBySftp(host.session, '/r', true);
  assert.ok(out, 'listed');
  const listing = parseListing(out, prefix);
  const byRel = new Map(listing.entries.map((e) => [e.rel, e]));
  assert.deepEqual(byRel.get(''), { rel: '', type: 'd', mode: 0o755, size: 0, mtime: 50 });
  assert.deepEqual(byRel.get('a'), { rel: 'a', type: 'f', mode: 0o640, size: 3, mtime: 100 });
  assert.deepEqual(byRel.get('d/e/deep'), { rel: 'd/e/deep', type: 'f', mode: 0o600, size: 1, mtime: 7 });
  assert.deepEqual(byRel.get('l'), { rel: 'l', type: 'l', mode: 0o777, size: 0, mtime: 70, target: '../elsewhere' });
  assert.equal(byRel.get('many/f249')?.size, 249);
  assert.equal(listing.entries.filter((e) => e.rel.startsWith('many/')).length, 250);
  assert.deepEqual(listing.specials.map((e) => e.rel), ['fifo'], 'a FIFO is a special file, never the same as a file');
  // The look-alike of a temporary name (its check digits are wrong) is an ordinary file.
  assert.equal(listing.entries.length, 8 + 250);
  // 4 folders read, each with one round of 3 READDIRs (250 entries need 3, the 4th is not sent).
  assert.equal(host.counts.opendir, 4);
  assert.equal(host.counts.readdir, 4 * 3 + 3, 'many/ needed a second round to see its end');
  assert.equal(host.counts.close, 4);
  assert.equal(host.counts.mkdir, undefined, 'the parent exists: nothing made');
});

test('listTreeBySftp: a missing root gets its missing parents made and an empty listing; a root that is a symlink is followed', async () => {
  const host = fakeHost({ '/srv': { mode: DIR | 0o755 } });
  const out = await listTreeBySftp(host.session, '/srv/a/b/root', true);
  assert.ok(out);
  assert.deepEqual(parseListing(out, prefix).entries, []);
  assert.ok(host.nodes['/srv/a/b'] && host.nodes['/srv/a'], 'parents made');
  assert.equal(host.nodes['/srv/a/b/root'], undefined, 'the root itself is left to the transfer');

  const none = fakeHost({ '/srv': { mode: DIR | 0o755 } });
  await listTreeBySftp(none.session, '/srv/x/root', false);
  assert.equal(none.nodes['/srv/x'], undefined, 'createParent false: nothing made');

  const linked = fakeHost({ '/r': { mode: LINK | 0o777, target: '/real' }, '/real': { mode: DIR | 0o750, mtime: 5 }, '/real/f': { mode: FILE | 0o644, size: 2 } });
  const l = parseListing((await listTreeBySftp(linked.session, '/r', true))!, prefix);
  assert.deepEqual(l.entries.map((e) => `${e.rel}:${e.type}`), [':d', 'f:f']);

  const dangling = fakeHost({ '/r': { mode: LINK | 0o777, target: '/gone', mtime: 9 } });
  const d = parseListing((await listTreeBySftp(dangling.session, '/r', true))!, prefix);
  assert.deepEqual(d.entries, [{ rel: '', type: 'l', mode: 0o777, size: 0, mtime: 9, target: '/gone' }]);
});

test('listTreeBySftp: what the listing command handles better answers undefined (a name that is not UTF-8, an unreadable folder, a parent that is a file)', async () => {
  const bytes = fakeHost({ '/r': { mode: DIR | 0o755 }, '/r/caf\uFFFD': { mode: FILE | 0o644 } });
  assert.equal(await listTreeBySftp(bytes.session, '/r', true), undefined);
  const locked = fakeHost({ '/r': { mode: DIR | 0o755 }, '/r/secret': { mode: DIR | 0o700, locked: true } });
  assert.equal(await listTreeBySftp(locked.session, '/r', true), undefined);
  const fileParent = fakeHost({ '/srv': { mode: FILE | 0o644 } });
  assert.equal(await listTreeBySftp(fileParent.session, '/srv/root', true), undefined);
});

test('listTreeBySftp: a lost session is thrown, not turned into "ask the command"', async () => {
  const host = fakeHost({ '/r': { mode: DIR | 0o755 } });
  (host.session as unknown as { opendir: () => Promise<never> }).opendir = async () => {
    throw new SftpError('opendir', '/r', undefined, 'connection lost', true);
  };
  await assert.rejects(listTreeBySftp(host.session, '/r', true), (err: unknown) => err instanceof SftpError && err.lost);
});
