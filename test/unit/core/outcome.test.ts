import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OUTCOME_KINDS,
  describeOutcome,
  describeOutcomeOf,
  formatMs,
  fromNodeExit,
  isSuccess,
  messageWithoutLabel,
  outcomeJson,
  shellSignalHint,
  signalName,
  signalNumber,
  type Outcome,
  fromWaitStatus,
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

test('every kind has its one-line description', () => {
  const cases: Array<[Outcome, string]> = [
    [{ kind: 'exited', code: 0 }, 'exit 0'],
    [{ kind: 'signaled', signal: 'SIGTERM', coreDumped: false }, 'killed by SIGTERM'],
    [{ kind: 'timeout', afterMs: 500, killed: 1 }, 'timed out after 500ms, killed 1 process'],
    [{ kind: 'cancelled', killed: 1, started: true }, 'cancelled, killed 1 process'],
    [{ kind: 'cancelled', killed: 4, started: true }, 'cancelled, killed 4 processes'],
    [{ kind: 'unreachable', reason: 'dns', message: 'web1: no such host' }, 'unreachable (dns): web1: no such host'],
    [{ kind: 'no-status' }, 'closed without exit status'],
    [{ kind: 'lost', message: 'reset' }, 'connection lost: reset'],
    [{ kind: 'failed', message: '/x: permission denied' }, 'failed: /x: permission denied'],
    [{ kind: 'local-error', message: 'spawn /bin/sh ENOENT' }, 'local error: spawn /bin/sh ENOENT'],
    [{ kind: 'internal', message: 'x is undefined' }, 'internal error: x is undefined'],
  ];
  for (const [o, text] of cases) assert.equal(describeOutcome(o), text);
  assert.deepEqual(OUTCOME_KINDS, ['exited', 'signaled', 'timeout', 'cancelled', 'no-status', 'lost', 'failed', 'unreachable', 'local-error', 'internal']);
});

test('the shell hint covers 129..192 only', () => {
  assert.equal(shellSignalHint(129), 'SIGHUP');
  assert.equal(shellSignalHint(143), 'SIGTERM');
  assert.equal(shellSignalHint(192), undefined, '128+64 names no signal here');
  assert.equal(shellSignalHint(193), undefined);
  assert.equal(shellSignalHint(255), undefined);
  assert.equal(signalName(9), 'SIGKILL');
  assert.equal(signalName(99), 'SIG99');
  assert.equal(signalNumber('SIGTERM'), 15);
  assert.equal(signalNumber('SIGNOPE'), undefined);
});

test('durations: ms under a second, seconds with 2 then 1 decimals, then minutes', () => {
  assert.deepEqual([0, 999.4, 1000, 9999, 10_000, 59_999, 60_000, 61_500, 3_600_000].map(formatMs), [
    '0ms', '999ms', '1.00s', '10.00s', '10.0s', '60.0s', '1m0s', '1m2s', '60m0s',
  ]);
});

test('a message that starts with the label is not said twice', () => {
  assert.equal(messageWithoutLabel('web1: refused', 'web1'), 'refused');
  assert.equal(messageWithoutLabel('web10: refused', 'web1'), 'web10: refused');
  assert.equal(messageWithoutLabel('web1:refused', 'web1'), 'web1:refused');
  assert.equal(describeOutcomeOf('web1', { kind: 'unreachable', reason: 'refused', message: 'web1: connection refused' }), 'unreachable (refused): connection refused');
  assert.equal(describeOutcomeOf('web1', { kind: 'exited', code: 2 }), 'exit 2');
});

test('the JSON shape: the outcome as it is, unreachable with reason and message in that order', () => {
  assert.deepEqual(outcomeJson({ kind: 'exited', code: 1 }), { kind: 'exited', code: 1 });
  const json = outcomeJson({ kind: 'unreachable', reason: 'auth', message: 'no key' });
  assert.deepEqual(Object.keys(json), ['kind', 'reason', 'message']);
  assert.deepEqual(json, { kind: 'unreachable', reason: 'auth', message: 'no key' });
  assert.equal(isSuccess({ kind: 'exited', code: 0 }), true);
  assert.equal(isSuccess({ kind: 'exited', code: 1 }), false);
  assert.equal(isSuccess({ kind: 'no-status' }), false);
});

test('raw wait(2) status (the spawner reports these): exit code, signal, core flag, each masked', () => {
  assert.deepEqual(fromWaitStatus(3 << 8), { kind: 'exited', code: 3 });
  assert.deepEqual(fromWaitStatus(255 << 8), { kind: 'exited', code: 255 });
  assert.deepEqual(fromWaitStatus((1 << 16) | (2 << 8)), { kind: 'exited', code: 2 }, 'bits above the exit byte are not the code');
  assert.deepEqual(fromWaitStatus(0), { kind: 'exited', code: 0 });
  assert.deepEqual(fromWaitStatus(11), { kind: 'signaled', signal: 'SIGSEGV', coreDumped: false });
  assert.deepEqual(fromWaitStatus(11 | 0x80), { kind: 'signaled', signal: 'SIGSEGV', coreDumped: true });
  assert.deepEqual(fromWaitStatus(9 | (5 << 8)), { kind: 'signaled', signal: 'SIGKILL', coreDumped: false });
  assert.deepEqual(fromWaitStatus(0x137f), { kind: 'internal', message: 'wait status 4991 is a stopped process, not an exit' }); // stopped by SIGSTOP
});
