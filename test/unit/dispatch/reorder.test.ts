import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reorder } from '../../../src/dispatch/reorder.js';

test('results leave in input order; skipped lines do not hold the queue', () => {
  const out: number[] = [];
  const seen = (): number[] => [...out];
  const r = new Reorder(10);
  r.add(3, () => out.push(3));
  r.add(2, () => out.push(2));
  assert.deepEqual(seen(), []);
  r.skip(1);
  assert.deepEqual(seen(), [2, 3]);
  r.add(5, () => out.push(5));
  r.add(4, () => out.push(4));
  assert.deepEqual(out, [2, 3, 4, 5]);
  assert.equal(r.waiting, 0);
});

test('room() waits while the window is full and resolves when the head line arrives', async () => {
  const r = new Reorder(2);
  r.add(2, () => undefined);
  await r.room(); // one waiting: room
  r.add(3, () => undefined);
  let resolved = false;
  const p = r.room().then(() => (resolved = true));
  await new Promise((res) => setImmediate(res));
  assert.equal(resolved, false, 'two held with a window of two: intake waits');
  r.add(1, () => undefined);
  await p;
  assert.equal(resolved, true);
  assert.equal(r.waiting, 0);
});

test('room() gives up waiting when the run is cancelled', async () => {
  const r = new Reorder(1);
  r.add(5, () => undefined);
  const ctl = new AbortController();
  const p = r.room(ctl.signal);
  ctl.abort();
  await p;
  assert.equal(r.waiting, 1);
});
