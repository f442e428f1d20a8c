import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT_STATUS_HELP, errorStatus, outcomeStatus, runStatus, worstStatus } from '../../../src/cli/exit-status.js';
import type { Outcome } from '../../../src/core/outcome.js';
import { LwtError, UsageError } from '../../../src/errors.js';

// The documented numbers (README, --help), not the module's own constants: a changed
// number must fail here.
const ok: Outcome = { kind: 'exited', code: 0 };
const bad: Outcome = { kind: 'exited', code: 2 };
const sig: Outcome = { kind: 'signaled', signal: 'SIGKILL', coreDumped: false };
const tmo: Outcome = { kind: 'timeout', afterMs: 1, killed: 1 };
const unr: Outcome = { kind: 'unreachable', reason: 'refused', message: '' };

test('every outcome kind has its documented status', () => {
  const cases: Array<[Outcome, number]> = [
    [ok, 0],
    [bad, 1],
    [{ kind: 'failed', message: 'sftp: permission denied' }, 1],
    [sig, 3],
    [tmo, 3],
    [{ kind: 'cancelled', killed: 0, started: false }, 3],
    [{ kind: 'no-status' }, 3],
    [{ kind: 'lost', message: 'reset' }, 3],
    [unr, 4],
    [{ kind: 'local-error', message: 'cannot run /bin/sh' }, 4],
    [{ kind: 'internal', message: 'boom' }, 70],
  ];
  for (const [o, n] of cases) assert.equal(outcomeStatus(o), n, o.kind);
});

test('the worst class wins: 0 < 1 < 3 < 4 < 70', () => {
  assert.equal(worstStatus([]), 0);
  assert.equal(worstStatus([ok, ok]), 0);
  assert.equal(worstStatus([ok, bad]), 1);
  assert.equal(worstStatus([bad, sig, ok]), 3);
  assert.equal(worstStatus([tmo, bad]), 3);
  assert.equal(worstStatus([unr, sig, bad]), 4);
  assert.equal(worstStatus([bad, unr]), 4);
  assert.equal(worstStatus([unr, { kind: 'internal', message: 'x' }, ok]), 70);
});

test('an interrupted run ends with 128 + the signal, whatever its outcomes', () => {
  const results = [{ label: 'h', outcome: ok, durationMs: 1, attempts: 1, stdout: '', stderr: '' }];
  assert.equal(runStatus({ results }), 0);
  assert.equal(runStatus({ results, interrupted: 'SIGINT' }), 130);
  assert.equal(runStatus({ results, interrupted: 'SIGTERM' }), 143);
  assert.equal(runStatus({ results, interrupted: 'SIGHUP' }), 129);
});

test('errors: usage 2, a busy lock 75, nothing there yet 1, anything else is a defect (70)', () => {
  assert.equal(errorStatus(new UsageError('bad flag')), 2);
  assert.equal(errorStatus(new LwtError('held', 'busy')), 75);
  assert.equal(errorStatus(new LwtError('no hosts/ok', 'not-found')), 1);
  assert.equal(errorStatus(new TypeError('x is undefined')), 70);
});

test('the help table lists every status, 70 and 75 included', () => {
  for (const n of [0, 1, 2, 3, 4, 70, 75, 129, 130, 143]) assert.match(EXIT_STATUS_HELP, new RegExp(`^  ${n} `, 'm'), String(n));
});
