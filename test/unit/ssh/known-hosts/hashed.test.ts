import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { addHashed, hashedMatches, hashName, HASH_MAGIC, SHA1_LEN } from '../../../../src/ssh/known-hosts/hashed.js';
import { emptyParsed, type KnownKey } from '../../../../src/ssh/known-hosts/types.js';

const key = (line: number): KnownKey => ({ file: 'kh', line, revoked: false, keyType: 'ssh-ed25519', b64: 'AAAA' });
const salt = (n: number): Buffer => Buffer.alloc(SHA1_LEN, n);
const hmac = (s: Buffer, name: string): Buffer => createHmac('sha1', s).update(name).digest();

test('hashName writes |1|salt|hmac as ssh-keygen -H does', () => {
  const s = Buffer.from('00112233445566778899aabbccddeeff00112233', 'hex');
  assert.equal(HASH_MAGIC, '|1|');
  assert.equal(SHA1_LEN, 20);
  assert.equal(hashName('web1', s), `|1|${s.toString('base64')}|${hmac(s, 'web1').toString('base64')}`);
  assert.equal(hashName('[web1]:2222', s).split('|').length, 4);
});

test('entries added one by one are all found, past the first 64 and after a lookup built the pads', () => {
  const set = emptyParsed().hashed;
  assert.deepEqual(hashedMatches(set, 'anything'), [], 'an empty set matches nothing');
  for (let i = 0; i < 70; i++) addHashed(set, salt(i), hmac(salt(i), `host${i % 35}`), key(i + 1));
  assert.equal(set.keys.length, 70);
  assert.ok(set.hashes.length >= 70 * 5);
  assert.deepEqual(hashedMatches(set, 'host3'), [3, 38]);
  assert.ok(set.pads, 'the first lookup computes the pads');
  // Added after the pads exist: its pads are computed alone and kept in step.
  addHashed(set, salt(200), hmac(salt(200), 'late'), key(71));
  addHashed(set, salt(201), hmac(salt(201), 'host3'), key(72));
  assert.equal(set.pads!.length, 72 * 10);
  assert.deepEqual(hashedMatches(set, 'late'), [70]);
  assert.deepEqual(hashedMatches(set, 'host3'), [3, 38, 71]);
  assert.deepEqual(hashedMatches(set, 'host'), []);
});
