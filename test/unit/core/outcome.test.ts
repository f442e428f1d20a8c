import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeOutcome,
  fromNodeExit,
  shellSignalHint,
  type Outcome,
} from '../../../src/core/outcome.js';

test('Node exit pair: code or signal, never both', () => {
  assert.deepEqual(fromNodeExit(3, null), { kind: 'exited', code: 3 });
  assert.deepEqual(fromNodeExit(null, 'SIGSEGV'), { kind: 'signaled', signal: 'SIGSEGV', coreDumped: false });
  assert.deepEqual(fromNodeExit(null, null), { kind: 'no-status' });
});

test("shell's 128+N stays an exit code, described with the signal it suggests", () => {
  assert.equal(shellSignalHint(137), 'SIGKILL');
  assert.equal(shellSignalHint(139), 'SIGSEGV');
  assert.equal(shellSignalHint(128), undefined);
  assert.equal(shellSignalHint(1), undefined);
  assert.equal(describeOutcome({ kind: 'exited', code: 137 }), 'exit 137 (128+9: shell reports SIGKILL)');
  assert.equal(describeOutcome({ kind: 'exited', code: 3 }), 'exit 3');
});

test('descriptions name the cause', () => {
  assert.equal(describeOutcome({ kind: 'signaled', signal: 'SIGSEGV', coreDumped: true }), 'killed by SIGSEGV (core dumped)');
  assert.equal(describeOutcome({ kind: 'timeout', afterMs: 2000, killed: 3 }), 'timed out after 2.00s, killed 3 processes');
  assert.equal(describeOutcome({ kind: 'cancelled', killed: 0, started: false }), 'cancelled before start');
  assert.match(describeOutcome({ kind: 'unreachable', reason: 'host-key', message: 'key changed' }), /host-key.*key changed/);
});
