import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { matchingHmacs, saltPads, wordsOf } from '../../../../src/ssh/known-hosts/hmac-sha1.js';

function randomName(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789.-[]:é';
  // Up to 150 bytes: names that fill one, two and three SHA-1 blocks after the ipad block.
  const len = randomInt(0, 130);
  let s = '';
  for (let i = 0; i < len; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

function expectedWords(salts: Buffer[], names: string[]): Int32Array {
  const hashes = new Int32Array(salts.length * 5);
  salts.forEach((salt, i) => hashes.set(wordsOf(createHmac('sha1', salt).update(names[i] as string).digest()), i * 5));
  return hashes;
}

test('matchingHmacs agrees with createHmac for random salts and names', () => {
  for (let round = 0; round < 20; round++) {
    const n = randomInt(1, 40);
    // known_hosts salts are 20 bytes; any key up to the 64-byte block must work as well.
    const salts = Array.from({ length: n }, () => randomBytes(round % 2 ? 20 : randomInt(1, 65)));
    const names = Array.from({ length: n }, randomName);
    const hashes = expectedWords(salts, names);
    const pads = saltPads(salts);
    for (let i = 0; i < n; i++) {
      const name = names[i] as string;
      const want = names.flatMap((other, j) => (other === name ? [j] : []));
      assert.deepEqual(matchingHmacs(pads, hashes, n, name), want, `salt ${salts[i]?.toString('hex')} name '${name}'`);
    }
    assert.deepEqual(matchingHmacs(pads, hashes, n, `${names[0]}x`).includes(0), false);
  }
});

test('matchingHmacs: names of every length around the SHA-1 block boundaries', () => {
  const salt = randomBytes(20);
  const pads = saltPads([salt]);
  for (let len = 0; len <= 140; len++) {
    const name = 'h'.repeat(len);
    const hashes = expectedWords([salt], [name]);
    assert.deepEqual(matchingHmacs(pads, hashes, 1, name), [0], `length ${len}`);
    assert.deepEqual(matchingHmacs(pads, hashes, 1, `${name}h`), [], `length ${len + 1} against ${len}`);
  }
});

test('matchingHmacs: no entries, no matches', () => {
  assert.deepEqual(matchingHmacs(new Int32Array(0), new Int32Array(0), 0, 'host'), []);
});

test('matchingHmacs: a hash differing in any one of its five words is no match', () => {
  const salt = randomBytes(20);
  const pads = saltPads([salt]);
  const right = expectedWords([salt], ['host']);
  assert.deepEqual(matchingHmacs(pads, right, 1, 'host'), [0]);
  for (let word = 0; word < 5; word++) {
    const wrong = Int32Array.from(right);
    wrong[word] = wrong[word]! ^ 1;
    assert.deepEqual(matchingHmacs(pads, wrong, 1, 'host'), [], `word ${word}`);
  }
});
