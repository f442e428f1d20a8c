import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fingerprintSha256, keyTypeFromBlob, knownHostsName } from '../../../../src/ssh/known-hosts/keys.js';
import { scratchKeys } from './helpers.js';

const k = scratchKeys();

test('keyTypeFromBlob and fingerprintSha256 agree with ssh-keygen', () => {
  assert.equal(keyTypeFromBlob(k.edA.blob), 'ssh-ed25519');
  assert.equal(keyTypeFromBlob(k.ecC.blob), 'ecdsa-sha2-nistp256');
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', k.edA.pubFile], { encoding: 'utf8' });
  assert.equal(fingerprintSha256(k.edA.blob), out.split(' ')[1]);
  assert.throws(() => keyTypeFromBlob(Buffer.from([0, 0])));
  assert.throws(() => keyTypeFromBlob(Buffer.from([0, 0, 0, 9, 65])));
});

test('knownHostsName: [host]:port for ports other than 22, lowercased', () => {
  assert.equal(knownHostsName('Web1.Example', 22), 'web1.example');
  assert.equal(knownHostsName('web1', 2222), '[web1]:2222');
});

/** A blob whose type field says `n` bytes, followed by `body`. */
function blob(n: number, body: string): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(n, 0);
  return Buffer.concat([head, Buffer.from(body, 'latin1')]);
}

test('keyTypeFromBlob: the type field is 1..256 printable bytes inside the blob', () => {
  assert.throws(() => keyTypeFromBlob(Buffer.from([0, 0, 5])), { message: 'malformed public key blob: too short' });
  assert.throws(() => keyTypeFromBlob(blob(0, '')), { message: 'malformed public key blob: bad type length' });
  assert.throws(() => keyTypeFromBlob(blob(0, 'ssh-ed25519')), { message: 'malformed public key blob: bad type length' });
  assert.throws(() => keyTypeFromBlob(blob(257, 'a'.repeat(300))), { message: 'malformed public key blob: bad type length' });
  assert.throws(() => keyTypeFromBlob(blob(6, 'ssh-x')), { message: 'malformed public key blob: bad type length' });
  // Exactly filling the blob, and the longest allowed.
  assert.equal(keyTypeFromBlob(blob(5, 'ssh-x')), 'ssh-x');
  assert.equal(keyTypeFromBlob(blob(256, 'a'.repeat(256))), 'a'.repeat(256));
  for (const bad of ['ssh x', ' ssh', 'ssh ', 'ssh\x7f']) {
    assert.throws(() => keyTypeFromBlob(blob(bad.length, bad)), { message: 'malformed public key blob: bad type name' }, JSON.stringify(bad));
  }
});

test('knownHostsName: port 0 (none given) is filed under the bare name, as ssh does', () => {
  assert.equal(knownHostsName('Web1', 0), 'web1');
});
