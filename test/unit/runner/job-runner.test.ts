import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { RunEvents, type RunEvent } from '../../../src/runner/events.js';
import { runJobs } from '../../../src/runner/job-runner.js';

test('events: run-started, then each job started and settled, then run-ended; results in input order', async () => {
  const seen: string[] = [];
  const events = new RunEvents().on((e: RunEvent) => {
    if (e.type === 'job-attempt-ended') return;
    if (e.type === 'job-started') seen.push(`start ${e.label}`);
    else if (e.type === 'job-settled') seen.push(`settled ${e.result.label} ${e.result.outcome.kind}`);
    else seen.push(e.type);
  });
  const summary = await runJobs({
    items: [30, 10, 20],
    label: (ms) => `job${ms}`,
    concurrency: 3,
    events,
    total: 3,
    work: async (ms) => {
      await sleep(ms);
      return { outcome: { kind: 'exited', code: ms === 20 ? 1 : 0 }, stdout: `slept ${ms}` };
    },
  });
  assert.deepEqual(seen, [
    'run-started',
    'start job30',
    'start job10',
    'start job20',
    'settled job10 exited',
    'settled job20 exited',
    'settled job30 exited',
    'run-ended',
  ]);
  assert.deepEqual(summary.results.map((r) => [r.label, r.stdout, r.attempts]), [
    ['job30', 'slept 30', 1],
    ['job10', 'slept 10', 1],
    ['job20', 'slept 20', 1],
  ]);
  assert.equal(summary.cancelled, false);
  assert.equal(summary.interrupted, undefined);
});

test('a retried job says so before its next attempt, and running counts never exceed the slots', async () => {
  const events = new RunEvents();
  let running = 0;
  let most = 0;
  const retrying: number[] = [];
  events.on((e) => {
    if (e.type === 'job-started') most = Math.max(most, ++running);
    else if (e.type === 'job-attempt-ended') running--;
    else if (e.type === 'job-retrying') retrying.push(e.attempt);
  });
  let tries = 0;
  const summary = await runJobs({
    items: ['flaky', 'a', 'b', 'c'],
    label: (s) => s,
    concurrency: 2,
    events,
    retry: { limit: 2, firstDelaysMs: [1], everyMs: 1, jitter: 0, shouldRetry: (w) => w.outcome.kind === 'unreachable' },
    work: async (s) => {
      await sleep(5);
      if (s === 'flaky' && ++tries < 3) return { outcome: { kind: 'unreachable', reason: 'refused', message: 'no' } };
      return { outcome: { kind: 'exited', code: 0 } };
    },
  });
  assert.deepEqual(retrying, [1, 2]);
  assert.equal(summary.results[0]!.attempts, 3);
  assert.deepEqual(summary.results[0]!.outcome, { kind: 'exited', code: 0 });
  assert.ok(most <= 2, `at most 2 ran at once, saw ${most}`);
  assert.equal(running, 0);
});

test('a cancel by SIGINT is in the summary; queued jobs settle as cancelled before start', async () => {
  const ctl = new AbortController();
  const summary = await runJobs({
    items: [1, 2, 3],
    label: String,
    concurrency: 1,
    signal: ctl.signal,
    work: async (_n, ctx) => {
      ctl.abort({ kind: 'cancelled', signal: 'SIGINT' });
      if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      return { outcome: { kind: 'exited', code: 0 } };
    },
  });
  assert.equal(summary.cancelled, true);
  assert.equal(summary.interrupted, 'SIGINT');
  assert.deepEqual(summary.results.map((r) => r.outcome.kind), ['cancelled', 'cancelled', 'cancelled']);
  assert.deepEqual(summary.results.map((r) => r.attempts), [1, 0, 0]);
});

test('a work function that throws is an internal outcome, and the run goes on', async () => {
  const summary = await runJobs({
    items: ['boom', 'fine'],
    label: (s) => s,
    concurrency: 2,
    work: async (s) => {
      if (s === 'boom') throw new Error('bug here');
      return { outcome: { kind: 'exited', code: 0 } };
    },
  });
  assert.deepEqual(summary.results.map((r) => r.outcome), [{ kind: 'internal', message: 'bug here' }, { kind: 'exited', code: 0 }]);
});
