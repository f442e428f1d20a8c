import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKillReason, killedOutcome, reasonOf } from '../../../src/core/kill-reason.js';

test('a kill reason is an object of kind timeout or cancelled, nothing else', () => {
  assert.equal(isKillReason({ kind: 'timeout', afterMs: 5 }), true);
  assert.equal(isKillReason({ kind: 'cancelled' }), true);
  for (const v of [null, undefined, 'timeout', 3, {}, { kind: 'exited' }, new Error('timeout')]) assert.equal(isKillReason(v), false, String(v));
});

test('the outcome of a kill: timeout with its deadline, cancelled with whether it had started', () => {
  assert.deepEqual(killedOutcome({ kind: 'timeout', afterMs: 2500 }, 3), { kind: 'timeout', afterMs: 2500, killed: 3 });
  assert.deepEqual(killedOutcome({ kind: 'cancelled', signal: 'SIGINT' }, 2), { kind: 'cancelled', killed: 2, started: true });
  assert.deepEqual(killedOutcome({ kind: 'cancelled' }, 0, false), { kind: 'cancelled', killed: 0, started: false });
});

test("reasonOf: a signal's kill reason, else a plain cancel", () => {
  const a = new AbortController();
  a.abort({ kind: 'timeout', afterMs: 7 });
  assert.deepEqual(reasonOf(a.signal), { kind: 'timeout', afterMs: 7 });
  const b = new AbortController();
  b.abort();
  assert.deepEqual(reasonOf(b.signal), { kind: 'cancelled' });
});
