import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideAfterCheck, decideAfterFetch, decideUnreachable, MAX_RESPAWNS_PER_HOUR, START_GRACE_MS } from '../../../src/tasks/decide.js';
import type { TaskDefinition } from '../../../src/tasks/definition.js';
import type { TaskInstance } from '../../../src/tasks/state.js';

const T0 = new Date('2026-12-01T10:00:00Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);
const def = (o: Partial<TaskDefinition> = {}): TaskDefinition => ({
  name: 'job', dir: '/x', file: '/x/task.yaml', command: 'true', env: {}, inputs: [], outputs: [], retries: 0, hosts: [], constraints: {}, respawn: 'never', keep: false, ...o,
});
const task = (o: Partial<TaskInstance> = {}): TaskInstance => ({
  id: 'job.1', name: 'job', args: [], state: 'running', createdAt: T0.toISOString(), attempt: 1, host: 'h1', placedAt: T0.toISOString(), startedAt: T0.toISOString(), reason: '', previous: [], ...o,
});

test('check: an ended task goes to fetching with the outcome its status file says', () => {
  const d = decideAfterCheck(task(), { kind: 'ended', status: 'signaled 9 1' }, def(), at(5000));
  assert.equal(d.action, 'move');
  if (d.action === 'move') {
    assert.equal(d.to, 'fetching');
    assert.deepEqual(d.changes?.outcome, { kind: 'signaled', signal: 'SIGKILL', coreDumped: true });
  }
  const e = decideAfterCheck(task(), { kind: 'ended', status: 'exited 3' }, def(), at(5000));
  assert.deepEqual(e.action === 'move' && e.changes?.outcome, { kind: 'exited', code: 3 });
});

test('check: past the timeout (strictly) means a tree kill recorded as timeout; at the limit it runs on', () => {
  const d = def({ timeoutMs: 60_000 });
  assert.equal(decideAfterCheck(task(), { kind: 'running' }, d, at(60_000)).action, 'none');
  const k = decideAfterCheck(task(), { kind: 'running' }, d, at(60_001));
  assert.equal(k.action, 'kill');
  if (k.action === 'kill') {
    assert.equal(k.graceful, false);
    assert.equal(k.to, 'fetching');
    assert.deepEqual(k.changes.outcome, { kind: 'timeout', afterMs: 60_000, killed: 0 });
  }
  const s = decideAfterCheck(task({ stopRequested: true }), { kind: 'running' }, d, at(1));
  assert.deepEqual(s.action === 'kill' && [s.graceful, s.to], [true, 'stopped']);
});

test('check: placed and absent starts it there; placed and found running is running; a lost task found again', () => {
  assert.equal(decideAfterCheck(task({ state: 'placed' }), { kind: 'absent' }, def(), at(1)).action, 'start');
  const r = decideAfterCheck(task({ state: 'placed', startedAt: undefined }), { kind: 'running' }, def(), at(7));
  assert.deepEqual(r.action === 'move' && [r.to, r.changes?.startedAt], ['running', at(7).toISOString()]);
  const l = decideAfterCheck(task({ state: 'lost', lostCycles: 2 }), { kind: 'running' }, def(), at(7));
  assert.deepEqual(l.action === 'move' && [l.to, l.changes?.lostCycles], ['running', 0]);
  assert.match(l.action === 'move' ? l.reason : '', /answered again/);
  const gone = decideAfterCheck(task(), { kind: 'absent' }, def(), at(7));
  assert.deepEqual(gone.action === 'move' && [gone.to, gone.changes?.outcome?.kind], ['failed', 'lost']);
});

test('check: a start that never wrote its pid fails after the grace, not before', () => {
  assert.equal(decideAfterCheck(task({ state: 'placed' }), { kind: 'starting' }, def(), at(START_GRACE_MS)).action, 'none');
  const f = decideAfterCheck(task({ state: 'placed' }), { kind: 'starting' }, def(), at(START_GRACE_MS + 1));
  assert.deepEqual(f.action === 'move' && f.to, 'fetching');
});

test('unreachable: lost first, reassigned after K cycles or T since first missed', () => {
  const rule = { afterCycles: 3, afterMs: 600_000 };
  const one = decideUnreachable(task(), 'connect-timeout', at(1), rule);
  assert.deepEqual(one.action === 'move' && [one.to, one.changes?.lostCycles], ['lost', 1]);
  const two = decideUnreachable(task({ state: 'lost', lostCycles: 1, lostSince: at(1).toISOString() }), 'x', at(2), rule);
  assert.deepEqual(two.action === 'none' && two.changes?.lostCycles, 2);
  assert.equal(decideUnreachable(task({ state: 'lost', lostCycles: 2, lostSince: at(1).toISOString() }), 'x', at(3), rule).action, 'reassign');
  assert.equal(decideUnreachable(task({ state: 'lost', lostCycles: 1, lostSince: at(0).toISOString() }), 'x', at(600_000), rule).action, 'reassign');
  assert.equal(decideUnreachable(task({ state: 'lost', lostCycles: 1, lostSince: at(0).toISOString() }), 'x', at(599_999), rule).action, 'none');
});

test('after fetch: done on exit 0; failed with a retry planned while attempts ≤ retries; then failed for good', () => {
  assert.deepEqual(decideAfterFetch(task({ outcome: { kind: 'exited', code: 0 } }), def(), at(1)), { action: 'move', to: 'done', reason: 'results fetched' });
  const r = decideAfterFetch(task({ attempt: 1, outcome: { kind: 'exited', code: 1 } }), def({ retries: 1 }), at(1));
  assert.deepEqual(r.action === 'move' && [r.to, Boolean(r.changes?.retryAt)], ['failed', true]);
  // The core's schedule: the first retry after 1 s ± 20 % jitter.
  const wait = r.action === 'move' ? Date.parse(r.changes!.retryAt!) - at(1).getTime() : -1;
  assert.ok(wait >= 800 && wait <= 1200, `first retry waits ${wait} ms`);
  const last = decideAfterFetch(task({ attempt: 2, outcome: { kind: 'exited', code: 1 } }), def({ retries: 1 }), at(1));
  assert.deepEqual(last.action === 'move' && [last.to, last.changes?.retryAt], ['failed', undefined]);
});

test('respawn: on-failure respawns failures only, with a growing backoff, at most N per hour', () => {
  const failing = task({ outcome: { kind: 'exited', code: 1 } });
  const a = decideAfterFetch(failing, def({ respawn: 'on-failure' }), at(0));
  assert.ok(a.action === 'move' && a.changes?.respawnAt === at(5_000).toISOString(), JSON.stringify(a));
  const b = decideAfterFetch({ ...failing, respawns: [at(0).toISOString()] }, def({ respawn: 'on-failure' }), at(1000));
  assert.ok(b.action === 'move' && b.changes?.respawnAt === at(1000 + 10_000).toISOString(), JSON.stringify(b));
  assert.deepEqual(decideAfterFetch(task({ outcome: { kind: 'exited', code: 0 } }), def({ respawn: 'on-failure' }), at(0)).action === 'move' && decideAfterFetch(task({ outcome: { kind: 'exited', code: 0 } }), def({ respawn: 'on-failure' }), at(0)), { action: 'move', to: 'done', reason: 'results fetched' });
  const many = Array.from({ length: MAX_RESPAWNS_PER_HOUR }, (_, i) => at(i * 1000).toISOString());
  const capped = decideAfterFetch({ ...failing, respawns: many }, def({ respawn: 'always' }), at(20_000));
  assert.ok(capped.action === 'move' && capped.to === 'failed' && capped.changes === undefined && /not again/.test(capped.reason));
  const old = decideAfterFetch({ ...failing, respawns: many }, def({ respawn: 'always' }), at(3_600_000 + 10_000));
  assert.ok(old.action === 'move' && old.changes?.respawnAt !== undefined, 'respawns older than an hour no longer count');
});
