import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, stat, symlink, writeFile, chmod, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileLanding, findPrefix, listingScript, parseListing, type ListingSpec } from '../../../src/transfer/remote-list.js';
import { normalizeRemote } from '../../../src/transfer/paths.js';
import { TempNames } from '../../../src/transfer/temp-names.js';

const run = promisify(execFile);

/** Run a listing script with the local sh and GNU find, as the host's login shell would. */
async function list(spec: ListingSpec, cwd: string): Promise<string> {
  const { stdout } = await run('/bin/sh', ['-c', listingScript(spec)], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  return stdout;
}

test('the listing command lists a tree with odd names, modes, mtimes, links and checksums', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-list-'));
  try {
    const root = join(dir, 'tree');
    await mkdir(join(root, 'sub dir', 'deep'), { recursive: true });
    await writeFile(join(root, 'sub dir', 'a b.txt'), 'hello\n');
    await writeFile(join(root, 'new\nline'), 'x');
    const leftover = new TempNames().next('x');
    await writeFile(join(root, leftover), 'partial');
    await writeFile(join(root, '.lwt-tmp-0123abcd-0'), 'a user\'s file that looks alike');
    await chmod(join(root, 'sub dir', 'a b.txt'), 0o4750);
    await utimes(join(root, 'sub dir', 'a b.txt'), 1_600_000_000, 1_600_000_000.5);
    await symlink('sub dir/a b.txt', join(root, 'link'));
    const spec: ListingSpec = { kind: 'tree', root, checksum: true, createParent: false };
    const listing = parseListing(await list(spec, dir), () => findPrefix(root));
    assert.equal(listing.kind, 'T');
    const byRel = new Map(listing.entries.map((e) => [e.rel, e]));
    assert.deepEqual([...byRel.keys()].sort(), ['', '.lwt-tmp-0123abcd-0', 'link', 'new\nline', 'sub dir', 'sub dir/a b.txt', 'sub dir/deep']);
    assert.ok(byRel.get('.lwt-tmp-0123abcd-0')!.sha256, 'a look-alike gets its checksum');
    const f = byRel.get('sub dir/a b.txt')!;
    assert.deepEqual([f.type, f.mode, f.size, f.mtime], ['f', 0o4750, 6, 1_600_000_000.5]);
    assert.equal(f.sha256, '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03');
    assert.equal(byRel.get('new\nline')!.sha256, '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881');
    assert.deepEqual([byRel.get('link')!.type, byRel.get('link')!.target], ['l', 'sub dir/a b.txt']);
    assert.deepEqual(listing.temps, [leftover]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a missing root lists nothing; createParent makes the folders on the way', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-list-'));
  try {
    const root = join(dir, 'x', 'y', 'root');
    const dry = parseListing(await list({ kind: 'tree', root, checksum: false, createParent: false }, dir), () => findPrefix(root));
    assert.deepEqual(dry.entries, []);
    const real = parseListing(await list({ kind: 'tree', root, checksum: false, createParent: true }, dir), () => findPrefix(root));
    assert.deepEqual(real.entries, []);
    const parent = parseListing(await list({ kind: 'tree', root: join(dir, 'x', 'y'), checksum: false, createParent: false }, dir), () => '');
    assert.deepEqual(parent.entries.map((e) => [e.rel, e.type]), [['', 'd']], 'the parent exists now, the root does not');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a file lands in DEST when DEST is a folder, else DEST is its name', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-list-'));
  try {
    await mkdir(join(dir, 'folder'));
    await writeFile(join(dir, 'folder', 'app*.conf'), 'old');
    await writeFile(join(dir, 'folder', 'appX.conf'), 'other');
    const inFolder: ListingSpec = { kind: 'file', dest: join(dir, 'folder'), destIsDir: false, name: 'app*.conf', checksum: true, createParent: true };
    const a = parseListing(await list(inFolder, dir), (k) => findPrefix(fileLanding(inFolder, k === 'D').dir));
    assert.equal(a.kind, 'D');
    assert.deepEqual(a.entries.map((e) => e.rel), ['app*.conf'], 'the name is literal for find -name');
    assert.equal(a.entries[0]!.sha256?.length, 64);
    const asName: ListingSpec = { kind: 'file', dest: join(dir, 'new', 'renamed.conf'), destIsDir: false, name: 'app.conf', checksum: false, createParent: true };
    const b = parseListing(await list(asName, dir), () => '');
    assert.equal(b.kind, 'F');
    assert.deepEqual(b.entries, []);
    assert.deepEqual(fileLanding(asName, false), { dir: join(dir, 'new'), name: 'renamed.conf' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a hostile listing: unsafe names are refused, junk before the header is skipped, broken records throw', () => {
  const rec = (y: string, rel: string, link = ''): string => [y, '644', '3', '1700000000.5', rel, link, ''].join('\0');
  const out = `motd junk\nLWT1\0T\0${rec('d', '')}${rec('f', 'ok')}${rec('f', '../../etc/passwd')}${rec('f', '/abs')}${rec('f', 'a//b')}${rec('p', 'fifo')}`;
  const l = parseListing(out, () => '');
  assert.deepEqual(l.entries.map((e) => e.rel), ['', 'ok']);
  assert.equal(l.problems.length, 3);
  assert.match(l.problems.join('\n'), /"\.\.\/\.\.\/etc\/passwd" has a '\.\.' component/);
  assert.match(l.problems.join('\n'), /"\/abs" is absolute/);
  assert.deepEqual(l.specials.map((e) => [e.rel, e.size]), [['fifo', -1]]);
  assert.throws(() => parseListing('no header', () => ''), /printed no listing/);
  assert.throws(() => parseListing(`LWT1\0T\0f\0nope\0x\0y\0z\0\0`, () => ''), /unreadable listing record/);
});

test("paths beginning with '-' stay paths: find never reads `-delete` as an action (the home survives)", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-list-'));
  try {
    // `dir` plays the remote login folder: the command runs there, as in the login shell.
    await writeFile(join(dir, 'canary'), 'must survive');
    await mkdir(join(dir, '-delete'));
    await writeFile(join(dir, '-delete', 'inside'), 'x');
    const { path: root } = normalizeRemote('-delete', 'REMOTE');
    assert.equal(root, './-delete');
    const t = parseListing(await list({ kind: 'tree', root, checksum: true, createParent: true }, dir), () => findPrefix(root));
    assert.deepEqual(t.entries.map((e) => e.rel).sort(), ['', 'inside']);
    assert.equal(t.entries.find((e) => e.rel === 'inside')!.sha256?.length, 64, 'sha256sum read it as a file too');
    for (const dest of ['-delete/', '-delete', '--help', '-exec/x']) {
      const d = normalizeRemote(dest, 'DEST');
      const spec: ListingSpec = { kind: 'file', dest: d.path, destIsDir: d.trailingSlash, name: '-name', checksum: true, createParent: true };
      parseListing(await list(spec, dir), (k) => findPrefix(fileLanding(spec, k === 'D').dir));
    }
    assert.equal(await readFile(join(dir, 'canary'), 'utf8'), 'must survive');
    assert.equal(await readFile(join(dir, '-delete', 'inside'), 'utf8'), 'x');
    assert.equal((await stat(join(dir, '-exec'))).isDirectory(), true, "mkdir -p made the folder named '-exec'");
    // The builder refuses such a path outright, whoever calls it.
    assert.throws(() => listingScript({ kind: 'tree', root: '-delete', checksum: false, createParent: false }), /would be read as an option/);
    assert.throws(() => listingScript({ kind: 'file', dest: '-x', destIsDir: true, name: 'f', checksum: false, createParent: true }), /would be read as an option/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('with resolve the listing carries the root\'s real path and the login folder\'s, resolved by the host', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-list-'));
  try {
    await mkdir(join(dir, 'a', 'b'), { recursive: true });
    await symlink(join(dir, 'a'), join(dir, 'link'));
    const real = (await run('/bin/sh', ['-c', 'pwd -P'], { cwd: dir })).stdout.trim();
    for (const [root, want] of [
      ['a/b/..', `${real}/a`],
      ['link/b', `${real}/a/b`],
      ['a/..', real],
      ['a/new/deeper', `${real}/a/new/deeper`],
    ] as const) {
      const spec: ListingSpec = { kind: 'tree', root, checksum: false, createParent: false, resolve: true };
      const listing = parseListing(await list(spec, dir), () => findPrefix(root));
      assert.deepEqual(listing.resolved, { root: want, home: real }, root);
    }
    const spec: ListingSpec = { kind: 'tree', root: 'a', checksum: false, createParent: false, resolve: true };
    const listing = parseListing(await list(spec, dir), () => findPrefix('a'));
    assert.deepEqual(listing.entries.map((e) => e.rel).sort(), ['', 'b'], 'the records still parse after the resolved paths');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an existing parent costs no mkdir process: the listing runs where mkdir is missing, and still creates a missing parent where it is there', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-list-'));
  try {
    const bin = join(dir, 'bin');
    await mkdir(bin);
    const { symlink } = await import('node:fs/promises');
    for (const tool of ['find', 'sha256sum']) {
      const { stdout } = await run('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
      await symlink(stdout.trim(), join(bin, tool));
    }
    await mkdir(join(dir, 'parent'));
    const spec: ListingSpec = { kind: 'tree', root: join(dir, 'parent', 'root'), checksum: false, createParent: true };
    const { stdout } = await run('/bin/sh', ['-c', listingScript(spec)], { cwd: dir, encoding: 'utf8', env: { PATH: bin } });
    assert.equal(parseListing(stdout, () => '').kind, 'T');
    const missing: ListingSpec = { ...spec, root: join(dir, 'new', 'deeper', 'root') };
    await list(missing, dir);
    assert.equal((await stat(join(dir, 'new', 'deeper'))).isDirectory(), true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
