import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryDelayMs } from '../../../src/core/retry.js';

test('first delays in order, then the regular delay', () => {
  const policy = { limit: 5, firstDelaysMs: [100, 500], everyMs: 2000, jitter: 0 };
  assert.deepEqual([1, 2, 3, 4].map((n) => retryDelayMs(policy, n)), [100, 500, 2000, 2000]);
});

test('jitter stays within ±fraction of the delay', () => {
  const policy = { limit: 1, firstDelaysMs: [1000], jitter: 0.2 };
  assert.equal(retryDelayMs(policy, 1, () => 0), 800);
  assert.equal(retryDelayMs(policy, 1, () => 1), 1200);
  assert.equal(retryDelayMs(policy, 1, () => 0.5), 1000);
});
