import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextRunId } from '../../../src/runs/journal.js';

test('run ids of one second follow the order the runs started in', () => {
  const stamp = '20261202-021500';
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) ids.push(nextRunId(ids, stamp));
  assert.deepEqual([...ids].sort(), ids, 'sorted ids are in start order');
  assert.equal(ids[0], `${stamp}-0001`);
  assert.equal(new Set(ids).size, 12);
});

test('an id of another second or an older form does not shift the sequence', () => {
  assert.equal(nextRunId(['20261202-021459-0007', '20261202-021500-a3f0', 'notes'], '20261202-021500'), '20261202-021500-0001');
  assert.equal(nextRunId(['20261202-021500-0007'], '20261202-021500'), '20261202-021500-0008');
});
