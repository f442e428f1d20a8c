import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fastSigner } from '../../../src/ssh/signer.js';
import { parseKey, type ParsedKey } from '../../../src/ssh/vendor.js';

let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lwt-signer-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function key(type: string, bits?: string): Promise<ParsedKey> {
  const f = join(dir, type);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', bits] : []), '-N', '', '-f', f], { stdio: 'ignore' });
  const parsed = parseKey(await readFile(f));
  assert.ok(!(parsed instanceof Error), String(parsed));
  return parsed;
}

for (const [type, algo] of [
  ['ed25519', undefined],
  ['ecdsa', 'sha256'],
  ['rsa', 'sha512'],
] as const) {
  test(`fastSigner: ${type} signatures verify with the original key`, async () => {
    const parsed = await key(type, type === 'rsa' ? '2048' : undefined);
    const signer = fastSigner(parsed);
    assert.equal(fastSigner(parsed), signer, 'one signer per key');
    assert.equal(signer.type, parsed.type);
    assert.deepEqual(signer.getPublicSSH(), parsed.getPublicSSH());
    const data = Buffer.from(`data to sign with ${type}`);
    const sig = signer.sign(data, algo);
    assert.ok(Buffer.isBuffer(sig));
    assert.equal(parsed.verify(data, sig, algo), true);
  });
}
