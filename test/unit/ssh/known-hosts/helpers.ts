/** Shared by the known_hosts tests: keys made by ssh-keygen in a scratch folder, and lines naming them. */
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Key {
  type: string;
  b64: string;
  blob: Buffer;
  pubFile: string;
}

export interface ScratchKeys {
  dir: string;
  edA: Key;
  edB: Key;
  ecC: Key;
}

function keygen(dir: string, name: string, type: string): Key {
  const f = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', f], { stdio: 'ignore' });
  const pub = execFileSync('cat', [`${f}.pub`], { encoding: 'utf8' }).trim().split(' ');
  const [t, b64] = pub;
  assert.ok(t && b64);
  return { type: t, b64, blob: Buffer.from(b64, 'base64'), pubFile: `${f}.pub` };
}

/** Hooks of the calling test file: a scratch folder with two ed25519 keys and an ECDSA key, filled before its tests. */
export function scratchKeys(): ScratchKeys {
  const k = {} as ScratchKeys;
  before(async () => {
    k.dir = await mkdtemp(join(tmpdir(), 'lwt-kh-'));
    k.edA = keygen(k.dir, 'a', 'ed25519');
    k.edB = keygen(k.dir, 'b', 'ed25519');
    k.ecC = keygen(k.dir, 'c', 'ecdsa');
  });
  after(async () => {
    await rm(k.dir, { recursive: true, force: true });
  });
  return k;
}

export const line = (hosts: string, k: Key, comment = ''): string => `${hosts} ${k.type} ${k.b64}${comment ? ` ${comment}` : ''}`;
