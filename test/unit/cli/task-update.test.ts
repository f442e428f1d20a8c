import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slotsNow } from '../../../src/cli/task-update.js';
import { usageError } from '../usage-error.js';

const at = (h: number): Date => new Date(2026, 11, 2, h, 30);

test('night slots apply inside the night hours only, also across midnight', () => {
  const f = { slots: 2, slotsNight: 8 };
  assert.deepEqual([21, 22, 23, 0, 5, 6, 12].map((h) => slotsNow(f, at(h))), [2, 8, 8, 8, 8, 2, 2], 'default 22-6');
  assert.deepEqual([0, 1, 2, 3].map((h) => slotsNow({ ...f, night: '1-3' }, at(h))), [2, 8, 8, 2]);
  assert.equal(slotsNow({ slots: 3 }, at(23)), 3, 'no night slots: the day value all day');
  assert.equal(slotsNow({}, at(12)), 2, 'the default');
  assert.throws(() => slotsNow({ ...f, night: 'late' }, at(1)), usageError(/--night late: expected HH-HH/));
});
