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
