import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFile, lstat, mkdir, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appendKnownHost } from '../../../../src/ssh/known-hosts/append.js';
import { KnownHosts } from '../../../../src/ssh/known-hosts/verify.js';
import { scratchKeys, line } from './helpers.js';

const k = scratchKeys();

test('appendKnownHost: creates folder 0700 and file 0600; ssh-keygen -F finds the entries', async () => {
  const file = join(k.dir, 'newdir', 'sub', 'known_hosts');
  await appendKnownHost(file, 'Web1.Example', 22, k.edA.type, k.edA.blob);
  await appendKnownHost(file, 'web1.example', 2222, k.edB.type, k.edB.blob, { hash: true });
  assert.equal((await stat(join(k.dir, 'newdir'))).mode & 0o777, 0o700);
  assert.equal((await stat(join(k.dir, 'newdir', 'sub'))).mode & 0o777, 0o700);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const lines = (await readFile(file, 'utf8')).split('\n');
  assert.equal(lines[0], `web1.example ${k.edA.type} ${k.edA.b64}`);
  assert.match(lines[1] ?? '', /^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 /);
  assert.equal(lines[2], '');
  const found = execFileSync('ssh-keygen', ['-F', '[web1.example]:2222', '-f', file], { encoding: 'utf8' });
  assert.ok(found.includes(k.edB.b64), 'OpenSSH finds the hashed [host]:port entry');
  const plain = execFileSync('ssh-keygen', ['-F', 'web1.example', '-f', file], { encoding: 'utf8' });
  assert.ok(plain.includes(k.edA.b64));
  const kh = await KnownHosts.load([file]);
  assert.equal(kh.verify('web1.example', 2222, k.edB.type, k.edB.blob).status, 'match');
  await assert.rejects(appendKnownHost(file, 'bad,name', 22, k.edA.type, k.edA.blob), /unsafe host name/);
});

test('appendKnownHost: keeps the mode of an existing file and adds a missing final newline', async () => {
  const file = join(k.dir, 'existing_kh');
  await writeFile(file, line('old', k.edA), { mode: 0o644 });
  await appendKnownHost(file, 'new', 22, k.edB.type, k.edB.blob);
  assert.equal((await stat(file)).mode & 0o777, 0o644);
  assert.equal(await readFile(file, 'utf8'), `${line('old', k.edA)}\n${line('new', k.edB)}\n`);
});

test('appendKnownHost: concurrent appends to one file all land', async () => {
  const file = join(k.dir, 'concurrent_kh');
  const hosts = Array.from({ length: 25 }, (_, i) => `host${i}`);
  await Promise.all(hosts.map((h, i) => appendKnownHost(file, h, i % 2 ? 2222 : 22, k.edA.type, k.edA.blob, { hash: i % 3 === 0 })));
  const text = await readFile(file, 'utf8');
  assert.equal(text.split('\n').filter(Boolean).length, 25);
  const kh = await KnownHosts.load([file]);
  for (const [i, h] of hosts.entries()) {
    assert.equal(kh.verify(h, i % 2 ? 2222 : 22, k.edA.type, k.edA.blob).status, 'match', h);
  }
});

test('cache: the next load sees appends and outside edits', async () => {
  const file = join(k.dir, 'cached_kh');
  await writeFile(file, `${line('a', k.edA)}\n`);
  const k1 = await KnownHosts.load([file]);
  assert.equal(k1.verify('b', 22, k.edB.type, k.edB.blob).status, 'unknown');
  await appendKnownHost(file, 'b', 22, k.edB.type, k.edB.blob);
  const k2 = await KnownHosts.load([file]);
  assert.deepEqual(k2.verify('b', 22, k.edB.type, k.edB.blob), { status: 'match', file, line: 2 });
  await appendKnownHost(file, 'hashed-one', 2222, k.ecC.type, k.ecC.blob, { hash: true });
  await appendKnownHost(file, 'hashed-two', 22, k.edA.type, k.edA.blob, { hash: true });
  const k2b = await KnownHosts.load([file]);
  assert.equal(k2b.verify('hashed-one', 2222, k.edA.type, k.edA.blob).status, 'changed');
  await appendKnownHost(file, 'hashed-three', 22, k.edB.type, k.edB.blob, { hash: true });
  const k2c = await KnownHosts.load([file]);
  assert.deepEqual(k2c.verify('hashed-two', 22, k.edA.type, k.edA.blob), { status: 'match', file, line: 4 });
  assert.deepEqual(k2c.verify('hashed-three', 22, k.edB.type, k.edB.blob), { status: 'match', file, line: 5 });
  await rm(file);
  await writeFile(file, `${line('a', k.edA)}\n${line('b', k.edB)}\n`);
  await appendFile(file, `${line('c', k.ecC)}\n`);
  const k3 = await KnownHosts.load([file]);
  assert.deepEqual(k3.verify('c', 22, k.ecC.type, k.ecC.blob), { status: 'match', file, line: 3 });
  assert.equal(k3.verify('hashed-two', 22, k.edA.type, k.edA.blob).status, 'unknown', 'a rewritten file is read again');
  await writeFile(file, `${line('a', k.edB)}\n`);
  const k4 = await KnownHosts.load([file]);
  assert.equal(k4.verify('a', 22, k.edA.type, k.edA.blob).status, 'changed');
});

test('concurrent processes appending to one known_hosts: every line present exactly once, none duplicated', async () => {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const mod = fileURLToPath(new URL('../../../../src/ssh/known-hosts/append.js', import.meta.url));
  const file = join(k.dir, 'concurrent_known_hosts');
  const procs = 4;
  const perProc = 12;
  // Each process appends its own hosts, and every process also tries the same shared host.
  const script = `
    import { appendKnownHost } from ${JSON.stringify(mod)};
    const [file, who, n, b64] = process.argv.slice(1);
    const blob = Buffer.from(b64, 'base64');
    for (let i = 0; i < Number(n); i++) {
      await appendKnownHost(file, 'p' + who + '-h' + i, 22, 'ssh-ed25519', blob);
      if (i === 3) await appendKnownHost(file, 'shared-host', 22, 'ssh-ed25519', blob);
    }`;
  for (let round = 0; round < 3; round++) {
    await rm(file, { force: true });
    await Promise.all(
      Array.from({ length: procs }, (_, p) =>
        new Promise<void>((resolve, reject) => {
          const c = spawn(process.execPath, ['--input-type=module', '-e', script, file, String(p), String(perProc), k.edA.b64], { stdio: ['ignore', 'ignore', 'pipe'] });
          let err = '';
          c.stderr.on('data', (d: Buffer) => (err += d.toString()));
          c.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`child ${p} exited ${code}: ${err}`))));
        }),
      ),
    );
    const names = (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => l.split(' ')[0]);
    const expected = ['shared-host'];
    for (let p = 0; p < procs; p++) for (let i = 0; i < perProc; i++) expected.push(`p${p}-h${i}`);
    assert.deepEqual([...names].sort(), expected.sort(), `round ${round}`);
    await assert.rejects(stat(`${file}.lock`), /ENOENT/, 'the lock file is removed');
  }
});

test('appendKnownHost writes atomically: a new file (new inode) renamed over the old, no temporary file left', async () => {
  const dir = join(k.dir, 'atomic');
  await mkdir(dir);
  const file = join(dir, 'known_hosts');
  await writeFile(file, `${line('old', k.edA)}\n`, { mode: 0o600 });
  const before = await stat(file);
  await appendKnownHost(file, 'new', 22, k.edB.type, k.edB.blob);
  const after = await stat(file);
  // Written in place, the inode would stay; renamed over, a reader holding the old file keeps it whole.
  assert.notEqual(after.ino, before.ino);
  assert.equal(await readFile(file, 'utf8'), `${line('old', k.edA)}\n${line('new', k.edB)}\n`);
  assert.deepEqual(await readdir(dir), ['known_hosts'], 'no temporary or lock file remains');
});

test('a symlinked known_hosts stays a symlink: the file it points to is replaced, beside itself', async () => {
  const real = join(k.dir, 'real-ssh');
  const home = join(k.dir, 'link-home');
  await mkdir(real);
  await mkdir(home);
  const target = join(real, 'known_hosts');
  const link = join(home, 'known_hosts');
  await writeFile(target, `${line('old', k.edA)}\n`);
  await symlink(target, link);
  await appendKnownHost(link, 'new', 22, k.edB.type, k.edB.blob);
  assert.ok((await lstat(link)).isSymbolicLink());
  assert.equal(await readlink(link), target);
  assert.equal(await readFile(target, 'utf8'), `${line('old', k.edA)}\n${line('new', k.edB)}\n`);
  assert.deepEqual(await readdir(home), ['known_hosts']);
  assert.deepEqual(await readdir(real), ['known_hosts']);
});

test('a reader never sees a partial known_hosts while keys are added', async () => {
  const { spawn } = await import('node:child_process');
  const file = join(k.dir, 'big_known_hosts');
  // A large file, so that a write in place would be seen half done.
  const lines = Array.from({ length: 4_000 }, (_, i) => line(`old${i}`, k.edA));
  const initial = lines.join('\n') + '\n';
  await writeFile(file, initial);
  // The reader checks every read: the whole old content, then only complete lines.
  const reader = `
    const { readFileSync, existsSync } = require('node:fs');
    const [file, stop, size] = process.argv.slice(1);
    let reads = 0, bad = 0;
    const until = Date.now() + 60000; // never outlive a test that failed before writing the stop file
    while (!existsSync(stop) && Date.now() < until) {
      const t = readFileSync(file, 'utf8');
      reads++;
      if (t.length < Number(size) || !t.endsWith('\\n')) bad++;
    }
    process.stdout.write(JSON.stringify({ reads, bad }));`;
  const stop = join(k.dir, 'big_known_hosts.stop');
  const child = spawn(process.execPath, ['-e', reader, file, stop, String(initial.length)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    for (let i = 0; i < 10; i++) await appendKnownHost(file, `new${i}`, 22, k.edB.type, k.edB.blob);
  } finally {
    await writeFile(stop, '');
    await closed;
  }
  const { reads, bad } = JSON.parse(out) as { reads: number; bad: number };
  assert.ok(reads > 0);
  assert.equal(bad, 0, `${bad} of ${reads} reads saw a partial file`);
  assert.equal((await readFile(file, 'utf8')).split('\n').filter(Boolean).length, 4_010);
});

test("with the caller's cache: the parse is updated in place with the new line's number, not read again", async () => {
  const { KnownHostsFiles, signature } = await import('../../../../src/ssh/known-hosts/cache.js');
  const file = join(k.dir, 'cache_in_place_kh');
  await writeFile(file, `${line('a', k.edA)}\n# comment\n${line('c', k.ecC)}`); // no final newline
  const files = new KnownHostsFiles();
  const k1 = await KnownHosts.load([file], files);
  const parsed = files.entries.get(file)!.parsed;
  assert.equal(k1.verify('b', 22, k.edB.type, k.edB.blob).status, 'unknown');
  await appendKnownHost(file, 'b', 22, k.edB.type, k.edB.blob, { files });
  const entry = files.entries.get(file)!;
  assert.equal(entry.parsed, parsed, 'the same parse, extended');
  assert.equal(entry.sig, signature(await stat(file)));
  const k2 = await KnownHosts.load([file], files);
  assert.equal(files.entries.get(file)!.parsed, parsed, 'the next load needs no read');
  assert.deepEqual(k2.verify('b', 22, k.edB.type, k.edB.blob), { status: 'match', file, line: 4 });
  assert.deepEqual(k2.verify('c', 22, k.ecC.type, k.ecC.blob), { status: 'match', file, line: 3 });
  // A key already there is not added again, and the cache entry is dropped (read anew next time).
  await appendKnownHost(file, 'b', 22, k.edB.type, k.edB.blob, { files });
  assert.equal((await readFile(file, 'utf8')).split('\n').filter((l) => l.startsWith('b ')).length, 1);
  assert.equal(files.entries.has(file), false);
  // Changed behind the cache's back: the entry is dropped instead of patched.
  await KnownHosts.load([file], files);
  await appendFile(file, `${line('d', k.edA)}\n`);
  await appendKnownHost(file, 'e', 22, k.edA.type, k.edA.blob, { files });
  assert.equal(files.entries.has(file), false);
  const k3 = await KnownHosts.load([file], files);
  assert.deepEqual(k3.verify('e', 22, k.edA.type, k.edA.blob), { status: 'match', file, line: 6 });
});

test('unsafe host names and malformed keys are refused before anything is written', async () => {
  const file = join(k.dir, 'refused_kh');
  for (const bad of ['', 'a b', 'a,b', '@x', 'a?', 'a*', '#x', '[a]', 'a|b', "a'b", 'a"b', 'a\\b', '!a', 'a\tb']) {
    await assert.rejects(appendKnownHost(file, bad, 22, k.edA.type, k.edA.blob), { message: `refusing to record a host key for an unsafe host name: '${bad}'` }, bad);
  }
  await assert.rejects(appendKnownHost(file, 'ok', 22, 'ssh-ed25519', Buffer.from('junk')), { message: 'refusing to record a malformed ssh-ed25519 host key for ok' });
  await assert.rejects(stat(file), /ENOENT/);
  // The type written is the blob's own, whatever the caller said.
  await appendKnownHost(file, 'ok', 22, 'ssh-rsa', k.edA.blob);
  assert.equal(await readFile(file, 'utf8'), `ok ${k.edA.type} ${k.edA.b64}\n`);
});

test("with the caller's cache: a file never loaded, a file removed since it was loaded, a blank first line", async () => {
  const { KnownHostsFiles } = await import('../../../../src/ssh/known-hosts/cache.js');
  // The cache has no entry for this file: the append just writes.
  const never = join(k.dir, 'never_loaded_kh');
  await writeFile(never, `${line('a', k.edA)}\n`);
  const files = new KnownHostsFiles();
  await appendKnownHost(never, 'b', 22, k.edB.type, k.edB.blob, { files });
  assert.equal(await readFile(never, 'utf8'), `${line('a', k.edA)}\n${line('b', k.edB)}\n`);
  assert.equal(files.entries.has(never), false);

  // Loaded, then removed: the append makes a new file and the old parse is dropped.
  const gone = join(k.dir, 'removed_kh');
  await writeFile(gone, `${line('a', k.edA)}\n`);
  await KnownHosts.load([gone], files);
  await rm(gone);
  await appendKnownHost(gone, 'b', 22, k.edB.type, k.edB.blob, { files });
  assert.equal(await readFile(gone, 'utf8'), `${line('b', k.edB)}\n`);
  assert.equal(files.entries.has(gone), false);
  const reloaded = await KnownHosts.load([gone], files);
  assert.deepEqual(reloaded.verify('b', 22, k.edB.type, k.edB.blob), { status: 'match', file: gone, line: 1 });
  assert.equal(reloaded.verify('a', 22, k.edA.type, k.edA.blob).status, 'unknown');

  // A file that starts with an empty line: the new key is on line 3, in the patched parse too.
  const blank = join(k.dir, 'blank_first_kh');
  await writeFile(blank, `\n${line('a', k.edA)}\n`);
  await KnownHosts.load([blank], files);
  const parsed = files.entries.get(blank)!.parsed;
  await appendKnownHost(blank, 'b', 22, k.edB.type, k.edB.blob, { files });
  assert.equal(files.entries.get(blank)!.parsed, parsed, 'patched, not read again');
  const patched = await KnownHosts.load([blank], files);
  assert.deepEqual(patched.verify('b', 22, k.edB.type, k.edB.blob), { status: 'match', file: blank, line: 3 });
  assert.deepEqual(patched.verify('a', 22, k.edA.type, k.edA.blob), { status: 'match', file: blank, line: 2 });
});
