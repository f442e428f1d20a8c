import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey, diffieHellman, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { jwkOfSshKey, kexPatches, x25519PublicKey } from '../../../src/ssh/kex-patch.js';
import { connectClient, newClient, parseKey, type Client, type ParsedKey } from '../../../src/ssh/vendor.js';

const require = createRequire(import.meta.url);
const keyParser = require('ssh2/lib/protocol/keyParser.js') as { parseDERKey: (data: Buffer, type: string) => unknown };
let dir = '';
let made = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lwt-kex-patch-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A key made by ssh-keygen: the parsed private key, its public line parsed, its PEM. */
async function keygen(type: string, bits?: string): Promise<{ priv: ParsedKey; pub: ParsedKey; pem: string }> {
  const f = join(dir, `${type}${bits ?? ''}-${made++}`);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', bits] : []), '-N', '', '-C', '', '-m', 'PEM', '-f', f], { stdio: 'ignore' });
  const priv = parseKey(await readFile(f));
  const pub = parseKey(await readFile(`${f}.pub`));
  assert.ok(!(priv instanceof Error) && !(pub instanceof Error));
  return { priv, pub, pem: priv.getPrivatePEM() };
}

const KEYS: [string, string | undefined, string | null][] = [
  ['ed25519', undefined, null],
  ['ecdsa', '256', 'sha256'],
  ['ecdsa', '384', 'sha384'],
  ['ecdsa', '521', 'sha512'],
  ['rsa', '2048', 'sha256'],
];

for (const [type, bits, hash] of KEYS) {
  test(`kex patch: the JWK of an ssh ${type}${bits ?? ''} blob is the same public key as ssh2's PEM`, async () => {
    const { pub } = await keygen(type, bits);
    const jwk = jwkOfSshKey(pub.getPublicSSH());
    assert.ok(jwk, 'a JWK for this type');
    const der = (k: Parameters<typeof createPublicKey>[0]): Buffer => createPublicKey(k).export({ type: 'spki', format: 'der' });
    assert.deepEqual(der({ key: jwk, format: 'jwk' }), der(pub.getPublicPEM()));
  });

  test(`kex patch: ssh2's key exchange checks a ${type}${bits ?? ''} host key's signature through the patch: good ones pass, others fail`, async () => {
    newClient(); // loads ssh2 and patches it
    assert.equal(kexPatches().hostKeyVerify, true, 'the host key patch no longer applies to this ssh2');
    const { pub, pem } = await keygen(type, bits);
    // What kex.js hands over: the key's type and the blob after the type string.
    const blob = pub.getPublicSSH();
    const name = blob.toString('latin1', 4, 4 + blob.readUInt32BE(0));
    const parse = (b: Buffer): { verify: (d: Buffer, s: Buffer, a?: string) => unknown; getPublicPEM?: unknown } =>
      keyParser.parseDERKey(b.subarray(4 + name.length), name) as never;
    const hostKey = parse(blob);
    assert.equal(hostKey.getPublicPEM, undefined, 'ssh2 built its PEM key: the patch was not used');
    const data = Buffer.from('exchange hash');
    const sig = sign(hash, data, pem);
    assert.equal(hostKey.verify(data, sig, hash ?? undefined), true);
    assert.equal(hostKey.verify(Buffer.from('another hash'), sig, hash ?? undefined), false);
    const other = await keygen(type, bits);
    assert.equal(parse(other.pub.getPublicSSH()).verify(data, sig, hash ?? undefined), false, 'another key of the same type');
    if (hash !== null && type !== 'rsa') assert.equal(hostKey.verify(data, sig), true, "ssh2's default hash for the type");
  });
}

test('kex patch: no JWK for a type it does not know, nor for a malformed blob', () => {
  const str = (s: Buffer | string): Buffer => {
    const b = Buffer.from(s);
    const n = Buffer.alloc(4);
    n.writeUInt32BE(b.length);
    return Buffer.concat([n, b]);
  };
  assert.equal(jwkOfSshKey(Buffer.concat([str('ssh-dss'), str('p'), str('q'), str('g'), str('y')])), undefined);
  assert.equal(jwkOfSshKey(Buffer.concat([str('ssh-ed25519'), str(Buffer.alloc(31))])), undefined, 'a 31-byte ed25519 key');
  assert.equal(jwkOfSshKey(Buffer.concat([str('ssh-ed25519'), Buffer.from([0, 0, 0, 32, 1])])), undefined, 'truncated');
  assert.equal(jwkOfSshKey(Buffer.concat([str('ecdsa-sha2-nistp256'), str('nistp384'), str(Buffer.alloc(65, 4))])), undefined, 'curve names disagree');
});

/** ssh2's own server on loopback: host key ed25519, every login accepted, one exec answered. */
async function ssh2Server(): Promise<{ port: number; close: () => void }> {
  const { Server, utils } = require('ssh2') as typeof import('ssh2');
  const host = utils.generateKeyPairSync('ed25519').private;
  const server = new Server({ hostKeys: [host] }, (conn) => {
    conn.on('authentication', (ctx) => ctx.accept());
    conn.on('error', () => undefined);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

test('kex patch: a handshake with curve25519 checks the host key through the patch and patches ssh2\'s x25519 class, which computes what crypto computes', async (t) => {
  const server = await ssh2Server();
  t.after(server.close);
  const client: Client = newClient();
  t.after(() => client.end());
  const verified = kexPatches().hostKeysVerified;
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve);
    client.once('error', reject);
    const { Socket } = require('node:net') as typeof import('node:net');
    const sock = new Socket();
    sock.connect(server.port, '127.0.0.1', () =>
      connectClient(client, {
        sock,
        username: 'u',
        algorithms: { kex: ['curve25519-sha256'] },
        hostVerifier: () => true,
      }),
    );
  });
  assert.equal(kexPatches().curve25519, true, 'the x25519 patch no longer applies to this ssh2');
  assert.equal(kexPatches().hostKeysVerified, verified + 1, "the host key's signature was not checked through the patch");

  // The patched class, checked against node:crypto done the long way (DER, as ssh2 did).
  type Kex = { _keys: unknown; generateKeys(): void; getPublicKey(): Buffer; computeSecret(b: Buffer): Buffer | Error };
  const cls = Object.getPrototypeOf((client as unknown as { _protocol: { _kex: object } })._protocol._kex) as Kex;
  const ours = generateKeyPairSync('x25519');
  const theirs = generateKeyPairSync('x25519');
  const kex = Object.assign(Object.create(cls) as Kex, { _keys: ours });
  const raw = (k: typeof ours.publicKey): Buffer => k.export({ type: 'spki', format: 'der' }).subarray(-32);
  assert.deepEqual(kex.getPublicKey(), raw(ours.publicKey));
  const secret = diffieHellman({ privateKey: ours.privateKey, publicKey: theirs.publicKey });
  let i = 0;
  while (secret[i] === 0) i++;
  const mpint = secret[i]! & 0x80 ? Buffer.concat([Buffer.alloc(1), secret.subarray(i)]) : secret.subarray(i);
  assert.deepEqual(kex.computeSecret(raw(theirs.publicKey)), mpint);
  assert.ok(kex.computeSecret(Buffer.alloc(31, 1)) instanceof Error, 'a key of the wrong length is an error, as before');
});

test('kex patch: the x25519 public key is X25519(k, 9), the same 32 bytes as the key\'s SPKI', () => {
  for (let i = 0; i < 50; i++) {
    const { privateKey, publicKey } = generateKeyPairSync('x25519');
    assert.deepEqual(x25519PublicKey(privateKey), publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
  }
});

test('kex patch: 40,000 fresh x25519 key pairs and their public keys under a tiny young generation do not deadlock', () => {
  // node 20's JWK export of a generateKeyPairSync key deadlocked in such a loop within 20,000
  // rounds (a collection inside the export runs the key job's destructor, which takes the mutex
  // the export holds); this loop took ~0.7 s of CPU before it hung. Here the child must finish.
  const modulePath = new URL('../../../src/ssh/kex-patch.js', import.meta.url).href;
  const script = `
    import { generateKeyPairSync } from 'node:crypto';
    import { x25519PublicKey } from ${JSON.stringify(modulePath)};
    let junk = [];
    for (let i = 0; i < 40000; i++) {
      x25519PublicKey(generateKeyPairSync('x25519').privateKey);
      if (i % 7 === 0) junk.push(new Array(50).fill(i));
      if (junk.length > 100) junk = [];
    }
    process.stdout.write('done');`;
  const r = spawnSync(process.execPath, ['--max-semi-space-size=1', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
  assert.equal(r.stdout, 'done', `status ${r.status}, signal ${r.signal} (SIGKILL: hung until the 60 s limit); ${r.stderr}`);
});
