import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { HandshakeGate } from '../../../src/ssh/handshake-gate.js';

test('never more than the limit in flight, every waiter admitted once, in arrival order', async () => {
  const gate = new HandshakeGate(3);
  let inFlight = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 40 }, async (_, i) => {
      const release = await gate.admit();
      assert.ok(release);
      order.push(i);
      inFlight++;
      most = Math.max(most, inFlight);
      await sleep(i % 4);
      inFlight--;
      release();
      release(); // a second release must not free a second slot
    }),
  );
  assert.equal(most, 3);
  assert.deepEqual(order, Array.from({ length: 40 }, (_, i) => i));
  assert.equal(gate.active, 0);
  assert.equal(gate.waiting, 0);
});

test('a waiter whose signal aborts leaves the queue and takes no slot', async () => {
  const gate = new HandshakeGate(1);
  const first = await gate.admit();
  const ctl = new AbortController();
  const aborted = gate.admit(ctl.signal);
  const next = gate.admit();
  assert.equal(gate.waiting, 2);
  ctl.abort();
  assert.equal(await aborted, undefined);
  assert.equal(gate.waiting, 1);
  first!();
  const r = await next;
  assert.ok(r);
  assert.equal(gate.active, 1);
  r();
  assert.equal(await gate.admit(AbortSignal.abort()), undefined, 'an aborted signal is not admitted');
  assert.equal(gate.active, 0);
});

test('a limit below 1 is refused', () => {
  assert.throws(() => new HandshakeGate(0), /positive integer/);
});
