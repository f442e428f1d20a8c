import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { jobDeadline } from '../../../src/core/deadline.js';

test('the deadline aborts with a timeout reason naming it', async () => {
  const parent = new AbortController();
  const d = jobDeadline(parent.signal, 30);
  assert.equal(d.signal.aborted, false);
  await once(d.signal, 'abort');
  assert.deepEqual(d.signal.reason, { kind: 'timeout', afterMs: 30 });
  d.dispose();
});

test("the parent's abort is forwarded with its reason, also when it came before", () => {
  const parent = new AbortController();
  const d = jobDeadline(parent.signal, 60_000);
  parent.abort({ kind: 'cancelled', signal: 'SIGTERM' });
  assert.deepEqual(d.signal.reason, { kind: 'cancelled', signal: 'SIGTERM' });
  d.dispose();
  const early = new AbortController();
  early.abort({ kind: 'timeout', afterMs: 1 });
  const e = jobDeadline(early.signal);
  assert.deepEqual(e.signal.reason, { kind: 'timeout', afterMs: 1 });
  e.dispose();
});

test('without a deadline only the parent counts; dispose stops both', async () => {
  const parent = new AbortController();
  const d = jobDeadline(parent.signal, 0);
  const short = jobDeadline(parent.signal, 20);
  short.dispose();
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(d.signal.aborted, false, 'timeout 0 is no deadline');
  assert.equal(short.signal.aborted, false, 'a disposed deadline never fires');
  d.dispose();
  parent.abort();
  assert.equal(d.signal.aborted, false, 'a disposed deadline no longer follows its parent');
});
