import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadIdentities, type IdentityCache } from '../../../src/ssh/identity.js';

let home = '';
let sshDir = '';

function keygen(name: string, type: string, passphrase: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', passphrase, '-C', name, '-f', join(sshDir, name)], { stdio: 'ignore' });
}

async function pubBlob(name: string): Promise<Buffer> {
  const text = await readFile(join(sshDir, `${name}.pub`), 'utf8');
  return Buffer.from(text.trim().split(' ')[1] ?? '', 'base64');
}

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'lwt-ident-'));
  sshDir = join(home, '.ssh');
  await mkdir(sshDir, { mode: 0o700 });
  keygen('id_ed25519', 'ed25519', '');
  keygen('id_rsa', 'rsa', '');
  keygen('id_enc', 'ed25519', 'secret');
  keygen('id_ecdsa_pem', 'ecdsa', '');
});

after(async () => {
  await rm(home, { recursive: true, force: true });
});

test('loads unencrypted keys with their public blobs, in order', async () => {
  const r = await loadIdentities(
    [
      { path: join(sshDir, 'id_ed25519'), explicit: false },
      { path: join(sshDir, 'id_rsa'), explicit: true },
    ],
    { home },
  );
  assert.deepEqual(r.problems, []);
  assert.equal(r.keys.length, 2);
  const [ed, rsa] = r.keys;
  assert.ok(ed && rsa);
  assert.equal(ed.keyType, 'ssh-ed25519');
  assert.equal(ed.explicit, false);
  assert.ok(ed.publicKeyBlob.equals(await pubBlob('id_ed25519')));
  assert.ok(ed.privateKey.equals(await readFile(join(sshDir, 'id_ed25519'))));
  assert.ok(ed.parsed.isPrivateKey());
  assert.equal(rsa.keyType, 'ssh-rsa');
  assert.ok(rsa.publicKeyBlob.equals(await pubBlob('id_rsa')));
});

test('a missing default is skipped silently; a missing explicit file is a problem naming it', async () => {
  const r = await loadIdentities(
    [
      { path: join(sshDir, 'id_ecdsa'), explicit: false },
      { path: join(sshDir, 'id_custom'), explicit: true },
      { path: join(sshDir, 'id_ed25519'), explicit: false },
    ],
    { home },
  );
  assert.equal(r.keys.length, 1);
  assert.deepEqual(r.problems, ['identity file ~/.ssh/id_custom not found']);
});

test('an encrypted key is a problem and a locked identity carrying its public key', async () => {
  const r = await loadIdentities([{ path: join(sshDir, 'id_enc'), explicit: false }], { home });
  assert.equal(r.keys.length, 0);
  assert.deepEqual(r.problems, [
    'identity ~/.ssh/id_enc is encrypted and no ssh-agent holds it: add it with ssh-add, or pass -i with an unencrypted key',
  ]);
  assert.equal(r.locked.length, 1);
  const [locked] = r.locked;
  assert.ok(locked);
  assert.equal(locked.reason, 'encrypted');
  assert.equal(locked.problem, r.problems[0]);
  assert.ok(locked.publicKeyBlob?.equals(await pubBlob('id_enc')), 'read from the clear-text part of the key file');
});

test('an encrypted PEM key falls back to its .pub file for the public key', async () => {
  const path = join(sshDir, 'id_pem_enc');
  execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', 'secret', '-f', path], { stdio: 'ignore' });
  const r = await loadIdentities([{ path, explicit: true }], { home });
  assert.equal(r.keys.length, 0);
  assert.match(r.problems[0] ?? '', /^identity ~\/\.ssh\/id_pem_enc is encrypted/);
  assert.ok(r.locked[0]?.publicKeyBlob?.equals(await pubBlob('id_pem_enc')));
});

test('each file is parsed once per cache (one cache per SshContext); another cache parses again', async () => {
  const ref = [{ path: join(sshDir, 'id_ed25519'), explicit: true }];
  const cache: IdentityCache = new Map();
  const [a, b] = await Promise.all([loadIdentities(ref, { home, cache }), loadIdentities(ref, { home, cache })]);
  const c = await loadIdentities(ref, { home, cache });
  assert.ok(a.keys[0] && b.keys[0] && c.keys[0]);
  assert.equal(a.keys[0].parsed, b.keys[0].parsed);
  assert.equal(a.keys[0].parsed, c.keys[0].parsed);
  const other = await loadIdentities(ref, { home, cache: new Map() });
  assert.notEqual(other.keys[0]!.parsed, a.keys[0].parsed, 'no process-wide cache behind the caller\'s back');
});

test('a key others can read is refused, as ssh does', { skip: process.getuid?.() === undefined }, async () => {
  const path = join(sshDir, 'id_open');
  keygen('id_open', 'ed25519', '');
  await chmod(path, 0o644);
  const r = await loadIdentities([{ path, explicit: true }], { home });
  assert.equal(r.keys.length, 0);
  assert.deepEqual(r.problems, [
    'identity ~/.ssh/id_open is accessible by others (mode 0644): ssh refuses such keys; run chmod 600 ~/.ssh/id_open',
  ]);
  await chmod(path, 0o600);
  const ok = await loadIdentities([{ path, explicit: true }], { home });
  assert.equal(ok.keys.length, 1, 'fixing the mode is seen without a restart');
});

test('a file that is not a key is a problem; a public key alone is locked', async () => {
  const junk = join(sshDir, 'junk');
  await writeFile(junk, 'not a key\n', { mode: 0o600 });
  const pubOnly = join(sshDir, 'pub_only');
  await writeFile(pubOnly, await readFile(join(sshDir, 'id_rsa.pub')), { mode: 0o600 });
  const r = await loadIdentities(
    [
      { path: junk, explicit: true },
      { path: pubOnly, explicit: true },
    ],
    { home },
  );
  assert.equal(r.keys.length, 0);
  assert.match(r.problems[0] ?? '', /^identity ~\/\.ssh\/junk cannot be used: /);
  assert.equal(r.locked[0]?.reason, 'public-only');
  assert.ok(r.locked[0]?.publicKeyBlob?.equals(await pubBlob('id_rsa')));
});

test('an ECDSA key loads', async () => {
  const r = await loadIdentities([{ path: join(sshDir, 'id_ecdsa_pem'), explicit: true }], { home });
  assert.deepEqual(r.problems, []);
  assert.equal(r.keys[0]?.keyType, 'ecdsa-sha2-nistp256');
  assert.ok(r.keys[0]?.publicKeyBlob.equals(await pubBlob('id_ecdsa_pem')));
});

test('the same path twice is loaded once', async () => {
  const p = join(sshDir, 'id_ed25519');
  const r = await loadIdentities(
    [
      { path: p, explicit: true },
      { path: p, explicit: false },
    ],
    { home },
  );
  assert.equal(r.keys.length, 1);
});
