import { test } from 'node:test';
import assert from 'node:assert/strict';
import { afterKill, isKillReason, killedOutcome, reasonOf } from '../../../src/core/kill-reason.js';

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

test('after a kill: our reason wins, unless the kill found nothing left and the job had told its own status', () => {
  const cancel = { kind: 'cancelled' } as const;
  const timeout = { kind: 'timeout', afterMs: 100 } as const;
  // A parent that exits 0 after its children were killed is still a job we killed.
  assert.deepEqual(afterKill({ kind: 'exited', code: 0 }, cancel, 2), { outcome: { kind: 'cancelled', killed: 2, started: true } });
  assert.deepEqual(afterKill({ kind: 'signaled', signal: 'SIGKILL', coreDumped: false }, timeout, 1), { outcome: { kind: 'timeout', afterMs: 100, killed: 1 } });
  // Nothing left to kill: it had ended on its own, and says how.
  assert.deepEqual(afterKill({ kind: 'exited', code: 0 }, cancel, 0), { outcome: { kind: 'exited', code: 0 }, endedBeforeKill: true });
  assert.deepEqual(afterKill({ kind: 'signaled', signal: 'SIGSEGV', coreDumped: true }, timeout, 0), {
    outcome: { kind: 'signaled', signal: 'SIGSEGV', coreDumped: true },
    endedBeforeKill: true,
  });
  // No status of its own (a remote exit status that never came): the kill's outcome.
  assert.deepEqual(afterKill(undefined, cancel, 0), { outcome: { kind: 'cancelled', killed: 0, started: true } });
  assert.deepEqual(afterKill({ kind: 'no-status' }, cancel, 0), { outcome: { kind: 'cancelled', killed: 0, started: true } });
});
