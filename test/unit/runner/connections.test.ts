/**
 * The lease logic of Connections over a stand-in for SshContext.connect (the real connections
 * are proven against sshd in test/integration/library.test.ts): one connect per host, at most
 * maxSessions leases at once, closing when idle or kept, a broken lease drops the connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connections } from '../../../src/runner/connections.js';
import type { SshContext } from '../../../src/ssh/connect.js';
import type { HostSpec } from '../../../src/hosts/host-spec.js';

class FakeClient extends EventEmitter {
  ended = 0;
  destroyed = 0;
  end(): void {
    this.ended++;
    this.emit('close');
  }
  destroy(): void {
    this.destroyed++;
    this.emit('close');
  }
}

function fakeSsh(fail: Set<string> = new Set()): { ssh: SshContext; connects: string[]; clients: FakeClient[]; closed: () => number } {
  const connects: string[] = [];
  const clients: FakeClient[] = [];
  let closed = 0;
  const ssh = {
    connect: async (spec: HostSpec) => {
      connects.push(spec.host);
      await sleep(2);
      if (fail.has(spec.host)) return { ok: false, outcome: { kind: 'unreachable', reason: 'refused', message: `${spec.host}: refused` } };
      const client = new FakeClient();
      clients.push(client);
      return { ok: true, client, config: {} };
    },
    close: async () => {
      closed++;
    },
  } as unknown as SshContext;
  return { ssh, connects, clients, closed: () => closed };
}

const host = (h: string): HostSpec => ({ host: h });

test('leases at once on one host share one connect; without keepIdle the last release closes it', async () => {
  const f = fakeSsh();
  const c = new Connections(f.ssh);
  const [a, b] = await Promise.all([c.acquire(host('h1')), c.acquire(host('h1'))]);
  assert.ok(a.ok && b.ok);
  assert.deepEqual(f.connects, ['h1']);
  assert.equal(a.client, b.client);
  a.release();
  assert.equal(f.clients[0]!.ended, 0, 'still leased');
  b.release();
  assert.equal(f.clients[0]!.ended, 1, 'closed with its last lease');
  assert.equal(c.size, 0);
  const again = await c.acquire(host('h1'));
  assert.ok(again.ok);
  assert.deepEqual(f.connects, ['h1', 'h1'], 'a closed connection is opened anew');
  again.release();
});

test('keepIdle keeps the connection for the next lease; close() ends it and the context', async () => {
  const f = fakeSsh();
  const c = new Connections(f.ssh, { keepIdle: true });
  const a = await c.acquire(host('h1'));
  assert.ok(a.ok);
  a.release();
  const b = await c.acquire(host('h1'));
  assert.ok(b.ok);
  assert.deepEqual(f.connects, ['h1']);
  b.release();
  await c.close();
  assert.equal(f.clients[0]!.ended, 1);
  assert.equal(f.closed(), 1);
});

test('maxSessions bounds leases per connection; a waiting lease gets the slot that frees', async () => {
  const f = fakeSsh();
  const c = new Connections(f.ssh, { maxSessions: 2, keepIdle: true });
  const a = await c.acquire(host('h1'));
  const b = await c.acquire(host('h1'));
  let thirdGot = false;
  const third = c.acquire(host('h1')).then((l) => {
    thirdGot = true;
    return l;
  });
  await sleep(10);
  assert.equal(thirdGot, false, 'the third waits while two are leased');
  assert.ok(a.ok && b.ok);
  a.release();
  const t = await third;
  assert.ok(t.ok);
  assert.equal(t.client, b.client, 'on the same connection');
  b.release();
  t.release();
  await c.close();
});

test('a broken lease destroys the connection; a failed connect is an unreachable outcome and is not kept', async () => {
  const f = fakeSsh(new Set(['down']));
  const c = new Connections(f.ssh, { keepIdle: true });
  const a = await c.acquire(host('h1'));
  assert.ok(a.ok);
  a.release({ broken: true });
  assert.equal(f.clients[0]!.destroyed, 1);
  assert.equal(c.size, 0);
  const d = await c.acquire(host('down'));
  assert.equal(d.ok, false);
  if (!d.ok) assert.deepEqual(d.outcome, { kind: 'unreachable', reason: 'refused', message: 'down: refused' });
  assert.equal(c.size, 0);
  await c.acquire(host('down'));
  assert.deepEqual(f.connects.filter((h) => h === 'down').length, 2, 'tried again, not a cached failure');
});

test('a connection that dies while idle is forgotten and the next lease reconnects', async () => {
  const f = fakeSsh();
  const c = new Connections(f.ssh, { keepIdle: true });
  const a = await c.acquire(host('h1'));
  assert.ok(a.ok);
  a.release();
  f.clients[0]!.emit('close');
  assert.equal(c.size, 0);
  const b = await c.acquire(host('h1'));
  assert.ok(b.ok);
  assert.deepEqual(f.connects, ['h1', 'h1']);
  b.release();
  await c.close();
});
