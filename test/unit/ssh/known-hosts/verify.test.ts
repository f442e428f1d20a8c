import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KnownHosts } from '../../../../src/ssh/known-hosts/verify.js';
import { KnownHostsFiles } from '../../../../src/ssh/known-hosts/cache.js';
import { hashName } from '../../../../src/ssh/known-hosts/hashed.js';
import { scratchKeys, line } from './helpers.js';

const k = scratchKeys();

test('plain names, comma lists, case-insensitive; match, changed, unknown', () => {
  const kh = KnownHosts.fromText(
    ['# comment', '', line('web1,WEB2.example,10.0.0.1', k.edA), '   ' + line('db1', k.edB, 'some comment')].join('\n'),
    'kh',
  );
  assert.deepEqual(kh.verify('web1', 22, k.edA.type, k.edA.blob), { status: 'match', file: 'kh', line: 3 });
  assert.deepEqual(kh.verify('web2.example', 22, k.edA.type, k.edA.blob), { status: 'match', file: 'kh', line: 3 });
  assert.deepEqual(kh.verify('10.0.0.1', 22, k.edA.type, k.edA.blob), { status: 'match', file: 'kh', line: 3 });
  assert.deepEqual(kh.verify('DB1', 22, k.edB.type, k.edB.blob), { status: 'match', file: 'kh', line: 4 });
  assert.deepEqual(kh.verify('web1', 22, k.edB.type, k.edB.blob), { status: 'changed', file: 'kh', line: 3 });
  assert.deepEqual(kh.verify('web1', 22, k.ecC.type, k.ecC.blob), { status: 'changed', file: 'kh', line: 3 }, 'known only with another key type');
  assert.deepEqual(kh.verify('web3', 22, k.edA.type, k.edA.blob), { status: 'unknown' });
  assert.deepEqual(kh.warnings, []);
});

test('a host with several keys matches any of them; changed points at a key of the same type', () => {
  const kh = KnownHosts.fromText([line('h', k.ecC), line('h', k.edA)].join('\n'), 'kh');
  assert.deepEqual(kh.verify('h', 22, k.edA.type, k.edA.blob), { status: 'match', file: 'kh', line: 2 });
  assert.deepEqual(kh.verify('h', 22, k.ecC.type, k.ecC.blob), { status: 'match', file: 'kh', line: 1 });
  assert.deepEqual(kh.verify('h', 22, k.edB.type, k.edB.blob), { status: 'changed', file: 'kh', line: 2 });
});

test('[host]:port entries; bare-name fallback for other ports as ssh does', () => {
  const kh = KnownHosts.fromText(
    [line('[web1]:2222', k.edA), line('web2', k.edA), line('[web3]:2222', k.edB), line('web3', k.edA), line('web4', k.edB)].join('\n'),
    'kh',
  );
  assert.deepEqual(kh.verify('web1', 2222, k.edA.type, k.edA.blob), { status: 'match', file: 'kh', line: 1 });
  assert.deepEqual(kh.verify('web1', 22, k.edA.type, k.edA.blob), { status: 'unknown' }, 'a port entry says nothing of port 22');
  assert.deepEqual(kh.verify('web1', 2223, k.edA.type, k.edA.blob), { status: 'unknown' });
  assert.deepEqual(kh.verify('web1', 2222, k.edB.type, k.edB.blob), { status: 'changed', file: 'kh', line: 1 });
  // ssh: "checking without port identifier", only when nothing is known under [host]:port.
  assert.deepEqual(kh.verify('web2', 2222, k.edA.type, k.edA.blob), { status: 'match', file: 'kh', line: 2 });
  assert.deepEqual(kh.verify('web3', 2222, k.edA.type, k.edA.blob), { status: 'changed', file: 'kh', line: 3 });
  assert.deepEqual(kh.verify('web4', 2222, k.edA.type, k.edA.blob), { status: 'unknown' }, 'a different bare key is not a change');
});

test('wildcards and negation', () => {
  const kh = KnownHosts.fromText(
    [line('*.prod.example,!secret.prod.example', k.edA), line('[db?]:*', k.edB), line('!neg-only', k.edA)].join('\n'),
    'kh',
  );
  assert.equal(kh.verify('api.prod.example', 22, k.edA.type, k.edA.blob).status, 'match');
  assert.equal(kh.verify('API.Prod.Example', 22, k.edA.type, k.edA.blob).status, 'match');
  assert.equal(kh.verify('secret.prod.example', 22, k.edA.type, k.edA.blob).status, 'unknown');
  assert.equal(kh.verify('db7', 5432, k.edB.type, k.edB.blob).status, 'match');
  assert.equal(kh.verify('db7', 5432, k.edA.type, k.edA.blob).status, 'changed');
  assert.equal(kh.verify('anything', 22, k.edA.type, k.edA.blob).status, 'unknown', 'a list of only negations never matches');
});

test('@revoked wins over a match, in any file; @cert-authority lines are read and ignored', () => {
  const kh = KnownHosts.fromText(
    [line('h', k.edA), line('@revoked *', k.edA), line('@cert-authority *.example', k.edB), line('other', k.edB)].join('\n'),
    'kh',
  );
  assert.deepEqual(kh.verify('h', 22, k.edA.type, k.edA.blob), { status: 'revoked', file: 'kh', line: 2 });
  assert.deepEqual(kh.verify('x', 2222, k.edA.type, k.edA.blob), { status: 'revoked', file: 'kh', line: 2 });
  assert.deepEqual(kh.verify('host.example', 22, k.edB.type, k.edB.blob), { status: 'unknown' }, 'a CA key is not a host key');
  assert.deepEqual(kh.verify('other', 22, k.edB.type, k.edB.blob), { status: 'match', file: 'kh', line: 4 });
  // A revoked line for another host does not apply; a revoked key under the bare name does.
  const kh2 = KnownHosts.fromText([line('@revoked otherhost', k.edA), line('h', k.edA), line('@revoked web', k.edB)].join('\n'), 'kh2');
  assert.equal(kh2.verify('h', 22, k.edA.type, k.edA.blob).status, 'match');
  assert.deepEqual(kh2.verify('web', 2222, k.edB.type, k.edB.blob), { status: 'revoked', file: 'kh2', line: 3 });
  assert.deepEqual(kh2.warnings, []);
});

test('hashed entries produced by ssh-keygen -H, plain and [host]:port', async () => {
  const file = join(k.dir, 'hashed_known_hosts');
  const long = `${'very-long-label.'.repeat(6)}example.com`; // over one SHA-1 block
  await writeFile(
    file,
    [line('web1.example.com', k.edA), line('[web1.example.com]:2222', k.edB), line('db1,db2', k.ecC), line(`[${long}]:2200`, k.edA)].join('\n') + '\n',
  );
  execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  const text = await readFile(file, 'utf8');
  assert.ok(!text.includes('web1'), 'ssh-keygen hashed the names');
  assert.equal(text.split('\n').filter((l) => l.startsWith('|1|')).length, 5);
  const kh = await KnownHosts.load([file]);
  assert.equal(kh.verify('web1.example.com', 22, k.edA.type, k.edA.blob).status, 'match');
  assert.equal(kh.verify('WEB1.example.com', 22, k.edA.type, k.edA.blob).status, 'match');
  assert.equal(kh.verify('web1.example.com', 2222, k.edB.type, k.edB.blob).status, 'match');
  assert.equal(kh.verify('web1.example.com', 22, k.edB.type, k.edB.blob).status, 'changed');
  assert.equal(kh.verify('web1.example.com', 2222, k.edA.type, k.edA.blob).status, 'changed');
  assert.equal(kh.verify('db2', 22, k.ecC.type, k.ecC.blob).status, 'match');
  assert.equal(kh.verify('db3', 22, k.ecC.type, k.ecC.blob).status, 'unknown');
  assert.equal(kh.verify(long, 2200, k.edA.type, k.edA.blob).status, 'match');
  assert.equal(kh.verify(long, 2201, k.edA.type, k.edA.blob).status, 'unknown');
  assert.deepEqual(kh.warnings, []);
});

test('load: several files in order, missing files are fine, file:line of the hit', async () => {
  const f1 = join(k.dir, 'kh-user');
  const f2 = join(k.dir, 'kh-global');
  await writeFile(f1, `${line('a', k.edA)}\n`);
  await writeFile(f2, `# global\n${line('b', k.edB)}\n${line('a', k.edB)}\n`);
  const kh = await KnownHosts.load([join(k.dir, 'missing'), f1, join(k.dir, 'nodir', 'x'), f2]);
  assert.deepEqual(kh.verify('a', 22, k.edA.type, k.edA.blob), { status: 'match', file: f1, line: 1 });
  assert.deepEqual(kh.verify('b', 22, k.edB.type, k.edB.blob), { status: 'match', file: f2, line: 2 });
  assert.deepEqual(kh.verify('b', 22, k.edA.type, k.edA.blob), { status: 'changed', file: f2, line: 2 });
  assert.deepEqual(kh.verify('a', 22, k.ecC.type, k.ecC.blob), { status: 'changed', file: f1, line: 1 });
});

// Its time bounds are for plain code: mutation testing (LWT_MUTATION) runs instrumented code.
test('large files: 100k lines load once and verify fast', { skip: process.env.LWT_MUTATION === '1' && 'time bounds for plain code' }, async () => {
  const file = join(k.dir, 'big_kh');
  const parts: string[] = [];
  for (let i = 0; i < 90_000; i++) parts.push(line(`host${i}.example.com,10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, i % 2 ? k.edA : k.edB));
  for (let i = 0; i < 9_000; i++) parts.push(line(`[port${i}.example.com]:2222`, k.ecC));
  for (let i = 0; i < 1_000; i++) parts.push(line(`*.zone${i}.example.com`, k.edA));
  await writeFile(file, parts.join('\n') + '\n');
  execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  // ssh-keygen -H leaves wildcard lines as they are; add plain ones back to cover the Map too.
  await appendFile(file, parts.slice(0, 10_000).join('\n') + '\n');
  const files = new KnownHostsFiles();
  const t0 = performance.now();
  const kh = await KnownHosts.load([file], files);
  const loadMs = performance.now() - t0;
  assert.equal(kh.warnings.length, 0);
  assert.equal(kh.verify('host7.example.com', 22, k.edA.type, k.edA.blob).status, 'match');
  const t1 = performance.now();
  assert.equal(kh.verify('host8.example.com', 22, k.edB.type, k.edB.blob).status, 'match');
  assert.equal(kh.verify('port5.example.com', 2222, k.ecC.type, k.ecC.blob).status, 'match');
  assert.equal(kh.verify('www.zone999.example.com', 22, k.edA.type, k.edA.blob).status, 'match');
  const verifyMs = performance.now() - t1;
  const first = files.entries.get(file)?.parsed;
  assert.ok(first, 'the parse is in the caller\'s cache');
  const again = await KnownHosts.load([file], files);
  assert.equal(files.entries.get(file)?.parsed, first, 'the second load used the cached parse, not a new read');
  assert.equal(again.verify('host7.example.com', 22, k.edA.type, k.edA.blob).status, 'match');
  assert.ok(loadMs < 5000, `load took ${loadMs} ms`);
  assert.ok(verifyMs < 5000, `verify took ${verifyMs} ms`);
});

test('@revoked under the bare name does not refuse a key held under [host]:port (ssh falls back to the bare name only without a [host]:port entry)', () => {
  const kh = KnownHosts.fromText([line('@revoked web', k.edA), line('[web]:2222', k.edA)].join('\n'), 'kh');
  assert.deepEqual(kh.verify('web', 2222, k.edA.type, k.edA.blob), { status: 'match', file: 'kh', line: 2 });
  // Port 22: the bare name is the host's own name, the revocation applies.
  assert.deepEqual(kh.verify('web', 22, k.edA.type, k.edA.blob), { status: 'revoked', file: 'kh', line: 1 });
  // Revoked under [host]:port itself: refused.
  const kh2 = KnownHosts.fromText([line('[web]:2222', k.edA), line('@revoked [web]:2222', k.edA)].join('\n'), 'kh2');
  assert.equal(kh2.verify('web', 2222, k.edA.type, k.edA.blob).status, 'revoked');
});

test('the first line in the file decides, whether plain, hashed or a pattern', () => {
  const kh = KnownHosts.fromText(
    [line('*.example', k.edA), line(hashName('h.example', Buffer.alloc(20, 5)), k.edA), line('h.example', k.edA)].join('\n'),
    'kh',
  );
  assert.deepEqual(kh.verify('h.example', 22, k.edA.type, k.edA.blob), { status: 'match', file: 'kh', line: 1 });
});

test("a changed key points at the known key of the presented blob's type, whatever type the caller named", () => {
  const kh = KnownHosts.fromText([line('h', k.ecC), line('h', k.edA)].join('\n'), 'kh');
  assert.deepEqual(kh.verify('h', 22, 'ssh-rsa', k.edB.blob), { status: 'changed', file: 'kh', line: 2 });
});
