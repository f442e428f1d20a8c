import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Socket, type AddressInfo } from 'node:net';
import { signedFirstClients } from '../../../src/ssh/auth-patch.js';
import { connectClient, newClient, parseKey, type ParsedKey } from '../../../src/ssh/vendor.js';

const require = createRequire(import.meta.url);
const { Server, utils } = require('ssh2') as typeof import('ssh2');

interface Seen {
  method: string;
  signed: boolean;
}

/** ssh2's server on loopback accepting `accepted` (an SSH public blob) only; records each auth request. */
async function server(accepted: Buffer): Promise<{ port: number; seen: Seen[]; close: () => void }> {
  const seen: Seen[] = [];
  const srv = new Server({ hostKeys: [utils.generateKeyPairSync('ed25519').private] }, (conn) => {
    conn.on('error', () => undefined);
    conn.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      seen.push({ method: ctx.method, signed: ctx.signature !== undefined });
      if (!ctx.key.data.equals(accepted)) return ctx.reject(['publickey']);
      if (ctx.signature === undefined) return ctx.accept(); // the query: PK_OK
      const type = ctx.key.data.toString('latin1', 4, 4 + ctx.key.data.readUInt32BE(0));
      const pub = parseKey(`${type} ${ctx.key.data.toString('base64')}`) as ParsedKey;
      if (pub.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true) ctx.accept();
      else ctx.reject(['publickey']);
    });
    conn.on('ready', () => conn.end());
  });
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  return { port: (srv.address() as AddressInfo).port, seen, close: () => srv.close() };
}

function login(port: number, keys: ParsedKey[]): Promise<'ready' | Error> {
  const client = newClient();
  return new Promise((resolve) => {
    client.once('ready', () => (client.end(), resolve('ready')));
    // 'on': a key that cannot sign makes ssh2 emit an error for it and one for the login.
    client.on('error', (err) => (client.end(), resolve(err)));
    const sock = new Socket();
    sock.connect(port, '127.0.0.1', () =>
      connectClient(client, {
        sock,
        username: 'u',
        hostVerifier: () => true,
        authHandler: keys.map((key) => ({ type: 'publickey' as const, username: 'u', key })),
      }),
    );
  });
}

const keyOf = (type: 'ed25519' | 'ecdsa'): ParsedKey =>
  parseKey((type === 'ecdsa' ? utils.generateKeyPairSync('ecdsa', { bits: 256 }) : utils.generateKeyPairSync('ed25519')).private) as ParsedKey;

for (const type of ['ed25519', 'ecdsa'] as const) {
  test(`auth patch: an ${type} key logs in with one signed request, no query first`, async (t) => {
    const key = keyOf(type);
    const s = await server(key.getPublicSSH());
    t.after(s.close);
    const before = signedFirstClients();
    assert.equal(await login(s.port, [key]), 'ready');
    assert.equal(signedFirstClients(), before + 1, 'the auth patch no longer applies to this ssh2');
    assert.deepEqual(s.seen, [{ method: 'publickey', signed: true }]);
  });
}

test('auth patch: a key the host refuses, then one it takes: each one signed request, refusal still a refusal', async (t) => {
  const refused = keyOf('ed25519');
  const taken = keyOf('ed25519');
  const s = await server(taken.getPublicSSH());
  t.after(s.close);
  assert.equal(await login(s.port, [refused, taken]), 'ready');
  assert.deepEqual(s.seen, [{ method: 'publickey', signed: true }, { method: 'publickey', signed: true }]);
  const alone = await server(taken.getPublicSSH());
  t.after(alone.close);
  const err = await login(alone.port, [refused]);
  assert.ok(err instanceof Error && /authentication methods failed/i.test(err.message), String(err));
});

test('auth patch: RSA keys and keys that cannot sign keep the query first', async (t) => {
  const rsa = parseKey(utils.generateKeyPairSync('rsa', { bits: 2048 }).private) as ParsedKey;
  const s = await server(rsa.getPublicSSH());
  t.after(s.close);
  assert.equal(await login(s.port, [rsa]), 'ready', JSON.stringify(s.seen));
  assert.deepEqual(s.seen.map((x) => x.signed), [false, true]);

  const ed = keyOf('ed25519');
  let failures = 0;
  const broken = Object.assign(Object.create(ed) as ParsedKey, { sign: () => (failures++, new Error('no signing today')) });
  const s2 = await server(ed.getPublicSSH());
  t.after(s2.close);
  const r = await login(s2.port, [broken]);
  assert.ok(r instanceof Error, 'a key that cannot sign does not log in');
  assert.equal(s2.seen[0]?.signed, false, 'the query went instead of the signed request');
  assert.ok(failures >= 1);
});
