/** Hashed known_hosts names: writing one, indexing entries, finding those that hash a given name. */
import { createHmac } from 'node:crypto';
import { matchingHmacs, saltPads, wordsOf } from './hmac-sha1.js';
import type { HashedSet, KnownKey } from './types.js';

export const HASH_MAGIC = '|1|';
/** Salt and hash length in a hashed name. */
export const SHA1_LEN = 20;

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, as ssh-keygen -H writes it. */
export function hashName(name: string, salt: Buffer): string {
  return `${HASH_MAGIC}${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

export function addHashed(set: HashedSet, salt: Buffer, hash: Buffer, key: KnownKey): void {
  const n = set.keys.length;
  if (set.hashes.length < (n + 1) * 5) {
    const grown = new Int32Array(Math.max(64, (n + 1) * 10));
    grown.set(set.hashes);
    set.hashes = grown;
  }
  set.hashes.set(wordsOf(hash), n * 5);
  set.keys.push(key);
  set.salts.push(salt);
  if (set.pads) {
    // Keep precomputed pads in step: compute this entry's alone.
    const grown = new Int32Array((n + 1) * 10);
    grown.set(set.pads.subarray(0, n * 10));
    grown.set(saltPads([salt]), n * 10);
    set.pads = grown;
  }
}

/** Indexes of the hashed entries whose name is `name`. */
export function hashedMatches(set: HashedSet, name: string): number[] {
  if (set.keys.length === 0) return [];
  set.pads ??= saltPads(set.salts);
  return matchingHmacs(set.pads, set.hashes, set.keys.length, name);
}
