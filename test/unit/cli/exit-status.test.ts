import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT_STATUS_HELP, TRANSFER_EXIT_STATUS_HELP, errorStatus, outcomeStatus, runStatus, signalStatus, worstStatus } from '../../../src/cli/exit-status.js';
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
  assert.equal(runStatus({ results, interrupted: 'SIGPIPE' }), 141);
  // The interrupt wins over a worse outcome too.
  assert.equal(runStatus({ results: [{ ...results[0]!, outcome: { kind: 'internal', message: 'x' } }], interrupted: 'SIGTERM' }), 143);
});

test('the signals lwt stops on map to 128 + their number; any other reads as an interrupt (130)', () => {
  assert.deepEqual(
    (['SIGHUP', 'SIGINT', 'SIGPIPE', 'SIGTERM', 'SIGUSR1'] as const).map((s) => signalStatus(s)),
    [129, 130, 141, 143, 130],
  );
});

test('errors: usage 2, a busy lock 75, nothing there yet 1, anything else is a defect (70)', () => {
  assert.equal(errorStatus(new UsageError('bad flag')), 2);
  assert.equal(errorStatus(new LwtError('held', 'busy')), 75);
  assert.equal(errorStatus(new LwtError('no hosts/ok', 'not-found')), 1);
  assert.equal(errorStatus(new TypeError('x is undefined')), 70);
});

test('the help table lists every status, 70 and 75 included', () => {
  const documented = [0, 1, 2, 3, 4, 70, 75, 129, 130, 141, 143];
  const listed = (help: string): number[] => [...help.matchAll(/^  (\d+) /gm)].map((m) => Number(m[1]));
  assert.deepEqual(listed(EXIT_STATUS_HELP), documented);
  assert.deepEqual(listed(TRANSFER_EXIT_STATUS_HELP), documented);
  assert.match(EXIT_STATUS_HELP, /^  3    some job was killed by a signal, timed out/m);
  assert.match(TRANSFER_EXIT_STATUS_HELP, /^  1    some host's transfer failed/m);
  assert.match(TRANSFER_EXIT_STATUS_HELP, /^  3    some transfer timed out or lost its connection$/m);
  assert.match(TRANSFER_EXIT_STATUS_HELP, /^  4    some host was unreachable/m);
});
