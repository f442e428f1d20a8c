import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  KnownHosts,
  appendKnownHost,
  fingerprintSha256,
  keyTypeFromBlob,
  knownHostsName,
} from '../../src/ssh/known-hosts.js';

interface Key {
  type: string;
  b64: string;
  blob: Buffer;
  pubFile: string;
}

let dir = '';
let edA: Key;
let edB: Key;
let ecC: Key;

function keygen(name: string, type: string): Key {
  const f = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', f], { stdio: 'ignore' });
  const pub = execFileSync('cat', [`${f}.pub`], { encoding: 'utf8' }).trim().split(' ');
  const [t, b64] = pub;
  assert.ok(t && b64);
  return { type: t, b64, blob: Buffer.from(b64, 'base64'), pubFile: `${f}.pub` };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lwt-kh-'));
  edA = keygen('a', 'ed25519');
  edB = keygen('b', 'ed25519');
  ecC = keygen('c', 'ecdsa');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const line = (hosts: string, k: Key, comment = ''): string => `${hosts} ${k.type} ${k.b64}${comment ? ` ${comment}` : ''}`;

test('keyTypeFromBlob and fingerprintSha256 agree with ssh-keygen', () => {
  assert.equal(keyTypeFromBlob(edA.blob), 'ssh-ed25519');
  assert.equal(keyTypeFromBlob(ecC.blob), 'ecdsa-sha2-nistp256');
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', edA.pubFile], { encoding: 'utf8' });
  assert.equal(fingerprintSha256(edA.blob), out.split(' ')[1]);
  assert.throws(() => keyTypeFromBlob(Buffer.from([0, 0])));
  assert.throws(() => keyTypeFromBlob(Buffer.from([0, 0, 0, 9, 65])));
});

test('knownHostsName: [host]:port for ports other than 22, lowercased', () => {
  assert.equal(knownHostsName('Web1.Example', 22), 'web1.example');
  assert.equal(knownHostsName('web1', 2222), '[web1]:2222');
});

test('plain names, comma lists, case-insensitive; match, changed, unknown', () => {
  const kh = KnownHosts.fromText(
    ['# comment', '', line('web1,WEB2.example,10.0.0.1', edA), '   ' + line('db1', edB, 'some comment')].join('\n'),
    'kh',
  );
  assert.deepEqual(kh.verify('web1', 22, edA.type, edA.blob), { status: 'match', file: 'kh', line: 3 });
  assert.deepEqual(kh.verify('web2.example', 22, edA.type, edA.blob), { status: 'match', file: 'kh', line: 3 });
  assert.deepEqual(kh.verify('10.0.0.1', 22, edA.type, edA.blob), { status: 'match', file: 'kh', line: 3 });
  assert.deepEqual(kh.verify('DB1', 22, edB.type, edB.blob), { status: 'match', file: 'kh', line: 4 });
  assert.deepEqual(kh.verify('web1', 22, edB.type, edB.blob), { status: 'changed', file: 'kh', line: 3 });
  assert.deepEqual(kh.verify('web1', 22, ecC.type, ecC.blob), { status: 'changed', file: 'kh', line: 3 }, 'known only with another key type');
  assert.deepEqual(kh.verify('web3', 22, edA.type, edA.blob), { status: 'unknown' });
  assert.deepEqual(kh.warnings, []);
});

test('a host with several keys matches any of them; changed points at a key of the same type', () => {
  const kh = KnownHosts.fromText([line('h', ecC), line('h', edA)].join('\n'), 'kh');
  assert.deepEqual(kh.verify('h', 22, edA.type, edA.blob), { status: 'match', file: 'kh', line: 2 });
  assert.deepEqual(kh.verify('h', 22, ecC.type, ecC.blob), { status: 'match', file: 'kh', line: 1 });
  assert.deepEqual(kh.verify('h', 22, edB.type, edB.blob), { status: 'changed', file: 'kh', line: 2 });
});

test('[host]:port entries; bare-name fallback for other ports as ssh does', () => {
  const kh = KnownHosts.fromText(
    [line('[web1]:2222', edA), line('web2', edA), line('[web3]:2222', edB), line('web3', edA), line('web4', edB)].join('\n'),
    'kh',
  );
  assert.deepEqual(kh.verify('web1', 2222, edA.type, edA.blob), { status: 'match', file: 'kh', line: 1 });
  assert.deepEqual(kh.verify('web1', 22, edA.type, edA.blob), { status: 'unknown' }, 'a port entry says nothing of port 22');
  assert.deepEqual(kh.verify('web1', 2223, edA.type, edA.blob), { status: 'unknown' });
  assert.deepEqual(kh.verify('web1', 2222, edB.type, edB.blob), { status: 'changed', file: 'kh', line: 1 });
  // ssh: "checking without port identifier", only when nothing is known under [host]:port.
  assert.deepEqual(kh.verify('web2', 2222, edA.type, edA.blob), { status: 'match', file: 'kh', line: 2 });
  assert.deepEqual(kh.verify('web3', 2222, edA.type, edA.blob), { status: 'changed', file: 'kh', line: 3 });
  assert.deepEqual(kh.verify('web4', 2222, edA.type, edA.blob), { status: 'unknown' }, 'a different bare key is not a change');
});

test('wildcards and negation', () => {
  const kh = KnownHosts.fromText(
    [line('*.prod.example,!secret.prod.example', edA), line('[db?]:*', edB), line('!neg-only', edA)].join('\n'),
    'kh',
  );
  assert.equal(kh.verify('api.prod.example', 22, edA.type, edA.blob).status, 'match');
  assert.equal(kh.verify('API.Prod.Example', 22, edA.type, edA.blob).status, 'match');
  assert.equal(kh.verify('secret.prod.example', 22, edA.type, edA.blob).status, 'unknown');
  assert.equal(kh.verify('db7', 5432, edB.type, edB.blob).status, 'match');
  assert.equal(kh.verify('db7', 5432, edA.type, edA.blob).status, 'changed');
  assert.equal(kh.verify('anything', 22, edA.type, edA.blob).status, 'unknown', 'a list of only negations never matches');
});

test('@revoked wins over a match, in any file; @cert-authority lines are read and ignored', () => {
  const kh = KnownHosts.fromText(
    [line('h', edA), line('@revoked *', edA), line('@cert-authority *.example', edB), line('other', edB)].join('\n'),
    'kh',
  );
  assert.deepEqual(kh.verify('h', 22, edA.type, edA.blob), { status: 'revoked', file: 'kh', line: 2 });
  assert.deepEqual(kh.verify('x', 2222, edA.type, edA.blob), { status: 'revoked', file: 'kh', line: 2 });
  assert.deepEqual(kh.verify('host.example', 22, edB.type, edB.blob), { status: 'unknown' }, 'a CA key is not a host key');
  assert.deepEqual(kh.verify('other', 22, edB.type, edB.blob), { status: 'match', file: 'kh', line: 4 });
  // A revoked line for another host does not apply; a revoked key under the bare name does.
  const kh2 = KnownHosts.fromText([line('@revoked otherhost', edA), line('h', edA), line('@revoked web', edB)].join('\n'), 'kh2');
  assert.equal(kh2.verify('h', 22, edA.type, edA.blob).status, 'match');
  assert.deepEqual(kh2.verify('web', 2222, edB.type, edB.blob), { status: 'revoked', file: 'kh2', line: 3 });
  assert.deepEqual(kh2.warnings, []);
});

test('bad lines are skipped with a warning naming file:line', () => {
  const kh = KnownHosts.fromText(
    [
      'onlyahost',
      line('h', edA),
      'h ssh-ed25519 !!notbase64!!',
      `h ssh-rsa ${edA.b64}`,
      `@weird h ${edA.type} ${edA.b64}`,
      `|1|c2hvcnQ=|AAAA ${edA.type} ${edA.b64}`,
      `|2|x|y ${edA.type} ${edA.b64}`,
      'h 2048 65537 1234567',
    ].join('\n'),
    'kh',
  );
  assert.deepEqual(kh.verify('h', 22, edA.type, edA.blob), { status: 'match', file: 'kh', line: 2 });
  assert.equal(kh.warnings.length, 7);
  assert.deepEqual(
    kh.warnings.map((w) => w.split(':').slice(0, 2).join(':')),
    ['kh:1', 'kh:3', 'kh:4', 'kh:5', 'kh:6', 'kh:7', 'kh:8'],
  );
  assert.match(kh.warnings[2] ?? '', /key type ssh-rsa does not match/);
});

test('hashed entries produced by ssh-keygen -H, plain and [host]:port', async () => {
  const file = join(dir, 'hashed_known_hosts');
  const long = `${'very-long-label.'.repeat(6)}example.com`; // over one SHA-1 block
  await writeFile(
    file,
    [line('web1.example.com', edA), line('[web1.example.com]:2222', edB), line('db1,db2', ecC), line(`[${long}]:2200`, edA)].join('\n') + '\n',
  );
  execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  const text = await readFile(file, 'utf8');
  assert.ok(!text.includes('web1'), 'ssh-keygen hashed the names');
  assert.equal(text.split('\n').filter((l) => l.startsWith('|1|')).length, 5);
  const kh = await KnownHosts.load([file]);
  assert.equal(kh.verify('web1.example.com', 22, edA.type, edA.blob).status, 'match');
  assert.equal(kh.verify('WEB1.example.com', 22, edA.type, edA.blob).status, 'match');
  assert.equal(kh.verify('web1.example.com', 2222, edB.type, edB.blob).status, 'match');
  assert.equal(kh.verify('web1.example.com', 22, edB.type, edB.blob).status, 'changed');
  assert.equal(kh.verify('web1.example.com', 2222, edA.type, edA.blob).status, 'changed');
  assert.equal(kh.verify('db2', 22, ecC.type, ecC.blob).status, 'match');
  assert.equal(kh.verify('db3', 22, ecC.type, ecC.blob).status, 'unknown');
  assert.equal(kh.verify(long, 2200, edA.type, edA.blob).status, 'match');
  assert.equal(kh.verify(long, 2201, edA.type, edA.blob).status, 'unknown');
  assert.deepEqual(kh.warnings, []);
});

test('load: several files in order, missing files are fine, file:line of the hit', async () => {
  const f1 = join(dir, 'kh-user');
  const f2 = join(dir, 'kh-global');
  await writeFile(f1, `${line('a', edA)}\n`);
  await writeFile(f2, `# global\n${line('b', edB)}\n${line('a', edB)}\n`);
  const kh = await KnownHosts.load([join(dir, 'missing'), f1, join(dir, 'nodir', 'x'), f2]);
  assert.deepEqual(kh.verify('a', 22, edA.type, edA.blob), { status: 'match', file: f1, line: 1 });
  assert.deepEqual(kh.verify('b', 22, edB.type, edB.blob), { status: 'match', file: f2, line: 2 });
  assert.deepEqual(kh.verify('b', 22, edA.type, edA.blob), { status: 'changed', file: f2, line: 2 });
  assert.deepEqual(kh.verify('a', 22, ecC.type, ecC.blob), { status: 'changed', file: f1, line: 1 });
});

test('appendKnownHost: creates folder 0700 and file 0600; ssh-keygen -F finds the entries', async () => {
  const file = join(dir, 'newdir', 'sub', 'known_hosts');
  await appendKnownHost(file, 'Web1.Example', 22, edA.type, edA.blob);
  await appendKnownHost(file, 'web1.example', 2222, edB.type, edB.blob, { hash: true });
  assert.equal((await stat(join(dir, 'newdir'))).mode & 0o777, 0o700);
  assert.equal((await stat(join(dir, 'newdir', 'sub'))).mode & 0o777, 0o700);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const lines = (await readFile(file, 'utf8')).split('\n');
  assert.equal(lines[0], `web1.example ${edA.type} ${edA.b64}`);
  assert.match(lines[1] ?? '', /^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 /);
  assert.equal(lines[2], '');
  const found = execFileSync('ssh-keygen', ['-F', '[web1.example]:2222', '-f', file], { encoding: 'utf8' });
  assert.ok(found.includes(edB.b64), 'OpenSSH finds the hashed [host]:port entry');
  const plain = execFileSync('ssh-keygen', ['-F', 'web1.example', '-f', file], { encoding: 'utf8' });
  assert.ok(plain.includes(edA.b64));
  const kh = await KnownHosts.load([file]);
  assert.equal(kh.verify('web1.example', 2222, edB.type, edB.blob).status, 'match');
  await assert.rejects(appendKnownHost(file, 'bad,name', 22, edA.type, edA.blob), /unsafe host name/);
});

test('appendKnownHost: keeps the mode of an existing file and adds a missing final newline', async () => {
  const file = join(dir, 'existing_kh');
  await writeFile(file, line('old', edA), { mode: 0o644 });
  await appendKnownHost(file, 'new', 22, edB.type, edB.blob);
  assert.equal((await stat(file)).mode & 0o777, 0o644);
  assert.equal(await readFile(file, 'utf8'), `${line('old', edA)}\n${line('new', edB)}\n`);
});

test('appendKnownHost: concurrent appends to one file all land', async () => {
  const file = join(dir, 'concurrent_kh');
  const hosts = Array.from({ length: 25 }, (_, i) => `host${i}`);
  await Promise.all(hosts.map((h, i) => appendKnownHost(file, h, i % 2 ? 2222 : 22, edA.type, edA.blob, { hash: i % 3 === 0 })));
  const text = await readFile(file, 'utf8');
  assert.equal(text.split('\n').filter(Boolean).length, 25);
  const kh = await KnownHosts.load([file]);
  for (const [i, h] of hosts.entries()) {
    assert.equal(kh.verify(h, i % 2 ? 2222 : 22, edA.type, edA.blob).status, 'match', h);
  }
});

test('cache: the next load sees appends and outside edits', async () => {
  const file = join(dir, 'cached_kh');
  await writeFile(file, `${line('a', edA)}\n`);
  const k1 = await KnownHosts.load([file]);
  assert.equal(k1.verify('b', 22, edB.type, edB.blob).status, 'unknown');
  await appendKnownHost(file, 'b', 22, edB.type, edB.blob);
  const k2 = await KnownHosts.load([file]);
  assert.deepEqual(k2.verify('b', 22, edB.type, edB.blob), { status: 'match', file, line: 2 });
  await appendKnownHost(file, 'hashed-one', 2222, ecC.type, ecC.blob, { hash: true });
  await appendKnownHost(file, 'hashed-two', 22, edA.type, edA.blob, { hash: true });
  const k2b = await KnownHosts.load([file]);
  assert.equal(k2b.verify('hashed-one', 2222, edA.type, edA.blob).status, 'changed');
  await appendKnownHost(file, 'hashed-three', 22, edB.type, edB.blob, { hash: true });
  const k2c = await KnownHosts.load([file]);
  assert.deepEqual(k2c.verify('hashed-two', 22, edA.type, edA.blob), { status: 'match', file, line: 4 });
  assert.deepEqual(k2c.verify('hashed-three', 22, edB.type, edB.blob), { status: 'match', file, line: 5 });
  await rm(file);
  await writeFile(file, `${line('a', edA)}\n${line('b', edB)}\n`);
  await appendFile(file, `${line('c', ecC)}\n`);
  const k3 = await KnownHosts.load([file]);
  assert.deepEqual(k3.verify('c', 22, ecC.type, ecC.blob), { status: 'match', file, line: 3 });
  assert.equal(k3.verify('hashed-two', 22, edA.type, edA.blob).status, 'unknown', 'a rewritten file is read again');
  await writeFile(file, `${line('a', edB)}\n`);
  const k4 = await KnownHosts.load([file]);
  assert.equal(k4.verify('a', 22, edA.type, edA.blob).status, 'changed');
});

test('large files: 100k lines load once and verify fast', async () => {
  const file = join(dir, 'big_kh');
  const parts: string[] = [];
  for (let i = 0; i < 90_000; i++) parts.push(line(`host${i}.example.com,10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, i % 2 ? edA : edB));
  for (let i = 0; i < 9_000; i++) parts.push(line(`[port${i}.example.com]:2222`, ecC));
  for (let i = 0; i < 1_000; i++) parts.push(line(`*.zone${i}.example.com`, edA));
  await writeFile(file, parts.join('\n') + '\n');
  execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  // ssh-keygen -H leaves wildcard lines as they are; add plain ones back to cover the Map too.
  await appendFile(file, parts.slice(0, 10_000).join('\n') + '\n');
  const t0 = performance.now();
  const kh = await KnownHosts.load([file]);
  const loadMs = performance.now() - t0;
  assert.equal(kh.warnings.length, 0);
  assert.equal(kh.verify('host7.example.com', 22, edA.type, edA.blob).status, 'match');
  const t1 = performance.now();
  assert.equal(kh.verify('host8.example.com', 22, edB.type, edB.blob).status, 'match');
  assert.equal(kh.verify('port5.example.com', 2222, ecC.type, ecC.blob).status, 'match');
  assert.equal(kh.verify('www.zone999.example.com', 22, edA.type, edA.blob).status, 'match');
  const verifyMs = performance.now() - t1;
  const t2 = performance.now();
  const again = await KnownHosts.load([file]);
  const reloadMs = performance.now() - t2;
  assert.equal(again.verify('host7.example.com', 22, edA.type, edA.blob).status, 'match');
  assert.ok(loadMs < 5000, `load took ${loadMs} ms`);
  assert.ok(verifyMs < 5000, `verify took ${verifyMs} ms`);
  assert.ok(reloadMs < 250, `a cached load took ${reloadMs} ms`);
});
