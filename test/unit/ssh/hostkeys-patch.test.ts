import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Socket, type AddressInfo } from 'node:net';
import { hostKeysProofSkipped } from '../../../src/ssh/hostkeys-patch.js';
import { connectClient, newClient, parseKey, type Client, type ParsedKey } from '../../../src/ssh/vendor.js';

const require = createRequire(import.meta.url);
const { Server, utils } = require('ssh2') as typeof import('ssh2');

interface Proto {
  _handlers: { GLOBAL_REQUEST: (p: unknown, name: string, wantReply: boolean, data: unknown) => void };
  openssh_hostKeysProve: (keys: unknown) => void;
  requestSuccess: () => void;
  _cipher: { encrypt: (packet: Buffer) => void };
}

/** A client logged in to ssh2's server on loopback; `strictVendor: false` so that ssh2 would prove keys of any server. */
async function loggedIn(t: { after: (fn: () => void) => void }): Promise<Client> {
  const srv = new Server({ hostKeys: [utils.generateKeyPairSync('ed25519').private] }, (conn) => {
    conn.on('error', () => undefined);
    conn.on('authentication', (ctx) => ctx.accept());
  });
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  t.after(() => srv.close());
  const client = newClient();
  t.after(() => client.end());
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve).once('error', reject);
    const sock = new Socket();
    sock.connect((srv.address() as AddressInfo).port, '127.0.0.1', () =>
      connectClient(client, { sock, username: 'u', password: 'p', strictVendor: false, hostVerifier: () => true }),
    );
  });
  return client;
}

/**
 * Hand the client an announcement as sshd sends one after login; what it answered: proof
 * requests, replies, and SSH_MSG_IGNORE packets (message number 2, after the packet length
 * and the padding length) that left through the cipher.
 */
function announce(client: Client, wantReply: boolean): { proved: number; replied: number; ignored: number } {
  const proto = (client as unknown as { _protocol: Proto })._protocol;
  const seen = { proved: 0, replied: 0, ignored: 0 };
  proto.openssh_hostKeysProve = () => void seen.proved++;
  proto.requestSuccess = () => void seen.replied++;
  const encrypt = proto._cipher.encrypt.bind(proto._cipher);
  proto._cipher.encrypt = (packet: Buffer) => {
    if (packet[5] === 2) seen.ignored++;
    encrypt(packet);
  };
  const key = parseKey(utils.generateKeyPairSync('ed25519').public) as ParsedKey;
  proto._handlers.GLOBAL_REQUEST(proto, 'hostkeys-00@openssh.com', wantReply, [key]);
  return seen;
}

test('hostkeys patch: the host keys sshd announces after login are not asked to be proved; an IGNORE answers at once', { timeout: 10_000 }, async (t) => {
  const before = hostKeysProofSkipped();
  const client = await loggedIn(t);
  assert.equal(hostKeysProofSkipped(), before + 1, 'the hostkeys patch no longer applies to this ssh2');
  // sshd asks no reply: the IGNORE carries the TCP acknowledgement its next packet waits for.
  assert.deepEqual(announce(client, false), { proved: 0, replied: 0, ignored: 1 });
  assert.deepEqual(announce(client, true), { proved: 0, replied: 1, ignored: 0 });
  // The connection still works after the IGNORE: the server takes it and answers the next request.
  await new Promise<void>((resolve, reject) => client.exec('x', (err) => (err && !/exec|channel|denied|fail/i.test(err.message) ? reject(err) : resolve())));
});

test("hostkeys patch: a client that listens to 'hostkeys' gets ssh2's proof and event as before", async (t) => {
  const client = await loggedIn(t);
  client.on('hostkeys', () => undefined);
  assert.deepEqual(announce(client, false), { proved: 1, replied: 0, ignored: 0 });
});
