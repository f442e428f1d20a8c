import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { batchSocketWrites, coalesceSftpPackets, parseKey, type Client, type SFTPWrapper } from '../../../src/ssh/vendor.js';

function fakeSocket(log: string[]): { write: (...args: unknown[]) => boolean; cork: () => void; uncork: () => void } {
  return {
    write: (data: unknown) => (log.push(`write ${String(data)}`), true),
    cork: () => log.push('cork'),
    uncork: () => log.push('uncork'),
  };
}

test('batchSocketWrites: the writes of one turn go between one cork and one uncork', async () => {
  const log: string[] = [];
  const client = { _sock: fakeSocket(log) } as unknown as Client;
  batchSocketWrites(client);
  const sock = (client as unknown as { _sock: { write: (d: string) => boolean } })._sock;
  assert.equal(sock.write('a'), true);
  sock.write('b');
  await nextTurn();
  sock.write('c');
  await nextTurn();
  assert.deepEqual(log, ['cork', 'write a', 'write b', 'uncork', 'cork', 'write c', 'uncork']);
});

test('batchSocketWrites: asked again for the same connection (a transfer on a batched one), it wraps once', async () => {
  const log: string[] = [];
  const client = { _sock: fakeSocket(log) } as unknown as Client;
  batchSocketWrites(client);
  batchSocketWrites(client);
  (client as unknown as { _sock: { write: (d: string) => boolean } })._sock.write('a');
  await nextTurn();
  assert.deepEqual(log, ['cork', 'write a', 'uncork']);
});

test('batchSocketWrites: a client without a corkable socket is left alone', () => {
  const client = { _sock: { write: () => true } } as unknown as Client;
  const before = (client as unknown as { _sock: { write: unknown } })._sock.write;
  batchSocketWrites(client);
  assert.equal((client as unknown as { _sock: { write: unknown } })._sock.write, before);
  batchSocketWrites({} as Client);
});

test('coalesceSftpPackets: small requests of one tick leave as packets cut at the packet size, in order', async () => {
  const sent: [number, string][] = [];
  const log: string[] = [];
  const proto = {
    channelData: (id: number, data: Buffer) => sent.push([id, data.toString()]),
    channelEOF: (id: number) => sent.push([id, 'EOF']),
  };
  const sftp = { _protocol: proto, outgoing: { id: 7, packetSize: 10 } };
  coalesceSftpPackets(sftp as unknown as SFTPWrapper, { _sock: fakeSocket(log) } as unknown as Client);
  const p = sftp._protocol;
  for (const s of ['ab', 'cd', 'ef', 'gh']) p.channelData(7, Buffer.from(s));
  assert.deepEqual(sent, [], 'held until the tick ends');
  p.channelData(7, Buffer.from('ijkl'));
  assert.deepEqual(sent, [[7, 'abcdefghij'], [7, 'kl']], 'a full packet\'s worth leaves at once, cut at the packet size');
  p.channelData(7, Buffer.from('mn'));
  p.channelEOF(7);
  assert.deepEqual(sent.slice(2), [[7, 'mn'], [7, 'EOF']], 'any other call flushes first');
  p.channelData(3, Buffer.from('other'));
  p.channelData(7, Buffer.from('large!'));
  assert.deepEqual(sent.slice(4), [[3, 'other'], [7, 'large!']], 'other channels and large writes pass straight through');
  p.channelData(7, Buffer.from('op'));
  assert.equal(sent.length, 6);
  await nextTurn();
  assert.deepEqual(sent.slice(6), [[7, 'op']], 'the end of the tick flushes');
  assert.deepEqual(log, ['cork', 'uncork']);
});

test('coalesceSftpPackets: unexpected internals are left alone', () => {
  const sftp = { _protocol: {}, outgoing: { id: 1, packetSize: 0 } };
  const proto = sftp._protocol;
  coalesceSftpPackets(sftp as unknown as SFTPWrapper, {} as Client);
  assert.equal(sftp._protocol, proto);
});

test('parseKey: an Error for what is not a key', () => {
  assert.ok(parseKey('not a key') instanceof Error);
});
