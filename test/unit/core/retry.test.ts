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

test('the default schedule: 1 s, 3 s, then every 10 s, each ±20 %', () => {
  const policy = { limit: 5 };
  const mid = () => 0.5; // no spread
  assert.deepEqual([1, 2, 3, 4, 5].map((n) => retryDelayMs(policy, n, mid)), [1000, 3000, 10000, 10000, 10000]);
  assert.deepEqual([1, 2, 3].map((n) => retryDelayMs(policy, n, () => 0)), [800, 2400, 8000]);
  // random() is below 1: the top of the range is approached, never passed.
  assert.deepEqual([1, 2, 3].map((n) => retryDelayMs(policy, n, () => 0.999999)), [1200, 3600, 12000]);
  assert.equal(retryDelayMs(policy, 1, () => 0.75), 1100);
});

test('with Math.random the delays spread over the whole ±20 % range', () => {
  const seen = Array.from({ length: 400 }, () => retryDelayMs({ limit: 1 }, 1));
  assert.ok(seen.every((d) => d >= 800 && d <= 1200), `${Math.min(...seen)}..${Math.max(...seen)}`);
  // 400 draws from 800..1200: both outer fifths are hit (each misses with probability 0.8^400).
  assert.ok(seen.some((d) => d < 880) && seen.some((d) => d > 1120), `${Math.min(...seen)}..${Math.max(...seen)}`);
});

test('jitter is clamped to 0..1 and a delay never goes below 0', () => {
  const base = { limit: 1, firstDelaysMs: [1000] };
  assert.equal(retryDelayMs({ ...base, jitter: 5 }, 1, () => 0), 0);
  assert.equal(retryDelayMs({ ...base, jitter: 5 }, 1, () => 0.999), 1998);
  assert.equal(retryDelayMs({ ...base, jitter: -1 }, 1, () => 0), 1000);
  assert.equal(retryDelayMs({ ...base, jitter: 1 }, 1, () => 0), 0);
  assert.equal(retryDelayMs({ limit: 1, firstDelaysMs: [], everyMs: 40, jitter: 0 }, 1), 40);
  assert.equal(retryDelayMs({ limit: 1, firstDelaysMs: [10.4], jitter: 0 }, 1), 10, 'whole milliseconds');
});
