import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canMove, reassign, transition, type TaskInstance, type TaskState } from '../../../src/tasks/state.js';

const t: TaskInstance = { id: 'a.1', name: 'a', args: [], state: 'running', createdAt: 'x', attempt: 2, host: 'h1', pid: 42, cookie: 'c00c', reason: '', previous: [] };

test('transitions: the machine refuses moves it does not have and stamps the reason and host', () => {
  const { next, line } = transition(t, 'fetching', 'ended', '2026-12-01T00:00:00Z', { endedAt: 'e' });
  assert.equal(next.state, 'fetching');
  assert.equal(next.endedAt, 'e');
  assert.deepEqual(line, { at: '2026-12-01T00:00:00Z', id: 'a.1', from: 'running', to: 'fetching', reason: 'ended', host: 'h1' });
  assert.throws(() => transition(t, 'done', 'skip the fetch', 'now'), /no move from running to done/);
  const ended: TaskState[] = ['done', 'failed', 'stopped'];
  for (const s of ended) {
    assert.equal(canMove(s, 'running'), false, `${s} never runs again without retry`);
    assert.equal(canMove(s, 'new'), true);
  }
  assert.equal(canMove('done', 'stopped'), true, 'a service waiting for its respawn can be stopped');
  assert.equal(canMove('new', 'running'), false, 'only through placed');
  assert.equal(canMove('suspended', 'placed'), false, 'suspended is never placed');
});

test('reassign: back to new without host, pid, cookie; the old placement remembers what finds its copy', () => {
  const { next, line } = reassign(t, 'host lost', 'now');
  assert.equal(next.state, 'new');
  assert.equal(next.host, undefined);
  assert.equal(next.pid, undefined);
  assert.equal(next.cookie, undefined);
  assert.equal(next.attempt, 2, 'the attempt counts up when it is placed again');
  assert.deepEqual(next.previous, [{ host: 'h1', attempt: 2, unsettled: true, pid: 42, cookie: 'c00c' }]);
  assert.equal(line.host, 'h1');
});
