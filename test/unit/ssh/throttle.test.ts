import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fail, type ConnectResult } from '../../../src/ssh/connect-result.js';
import { retryThrottled, throttledBudgetMs } from '../../../src/ssh/throttle.js';
import { closedIn, stalledIn } from '../../../src/ssh/classify-error.js';
import { BannerWatch } from '../../../src/ssh/banner-watch.js';

/** A clock that moves only when the code under test pauses. */
function fakeTime(): { now: () => number; pause: (ms: number) => Promise<void>; pauses: number[] } {
  let t = 0;
  const pauses: number[] = [];
  return { now: () => t, pause: async (ms) => void (pauses.push(ms), (t += ms)), pauses };
}

const throttled = (): ConnectResult => fail('throttled', 'h1: connection closed by the host before its SSH banner: sshd MaxStartups full?');

test('a throttled attempt is retried after growing pauses until one gets through', async () => {
  const clock = fakeTime();
  const results: ConnectResult[] = [throttled(), throttled(), throttled(), { ok: true } as unknown as ConnectResult];
  let calls = 0;
  const r = await retryThrottled(async () => results[calls++]!, { budgetMs: 60_000, now: clock.now, pause: clock.pause, random: () => 0.5 });
  assert.equal(r.ok, true);
  assert.equal(calls, 4);
  assert.deepEqual(clock.pauses, [100, 250, 500]);
});

test('a host throttled for its whole budget is reported throttled, with the tries counted', async () => {
  const clock = fakeTime();
  let calls = 0;
  const r = await retryThrottled(async () => (calls++, throttled()), { budgetMs: 10_000, now: clock.now, pause: clock.pause, random: () => 0.5 });
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.outcome.reason, 'throttled');
  assert.match(!r.ok ? r.outcome.message : '', /MaxStartups full\? \(\d+ tries in \d+ s\)$/);
  assert.ok(clock.now() <= 10_000, `pauses stay within the budget: ${clock.now()}`);
  assert.ok(calls >= 5, `retried until the budget: ${calls} calls`);
});

test('other failures are not retried: refused, timeouts, host-key, auth', async () => {
  for (const reason of ['refused', 'connect-timeout', 'banner-timeout', 'handshake-timeout', 'host-key', 'auth'] as const) {
    let calls = 0;
    const r = await retryThrottled(async () => (calls++, fail(reason, 'x')), { budgetMs: 60_000, pause: async () => assert.fail('paused') });
    assert.equal(calls, 1, reason);
    assert.equal(!r.ok && r.outcome.reason, reason);
  }
});

test('an abort during a pause ends the retries with the last refusal', async () => {
  const ctl = new AbortController();
  let calls = 0;
  const r = await retryThrottled(async () => (calls++, throttled()), {
    budgetMs: 60_000,
    signal: ctl.signal,
    pause: async () => {
      ctl.abort();
      throw new Error('aborted');
    },
  });
  assert.equal(calls, 1);
  assert.equal(!r.ok && r.outcome.reason, 'throttled');
});

test('the budget is a minute, or three connect deadlines when they are longer', () => {
  assert.equal(throttledBudgetMs(10_000), 60_000);
  assert.equal(throttledBudgetMs(30_000), 90_000);
});

test('where a connection stalled or was closed names the reason', () => {
  assert.equal(stalledIn('tcp', 5).reason, 'connect-timeout');
  assert.equal(stalledIn('banner', 5).reason, 'banner-timeout');
  assert.equal(stalledIn('handshake', 5).reason, 'handshake-timeout');
  assert.match(stalledIn('handshake', 1500).message, /within 1500 ms/);
  assert.equal(closedIn('banner').reason, 'throttled');
  assert.match(closedIn('banner', 'ECONNRESET').message, /before its SSH banner \(ECONNRESET\)/);
  assert.equal(closedIn('handshake').reason, 'reset');
  assert.equal(closedIn('tcp').reason, 'reset');
});

test('the banner is the SSH- line, not the first bytes: what sshd says before it is kept', () => {
  const w = new BannerWatch();
  assert.equal(w.feed(Buffer.from('Exceeded MaxStartups\r\n')), false);
  assert.equal(w.preBanner, 'Exceeded MaxStartups');
  assert.equal(w.feed(Buffer.from('SSH-2.0-Open')), true);
  const split = new BannerWatch();
  assert.equal(split.feed(Buffer.from('hello\r\nSS')), false);
  assert.equal(split.feed(Buffer.from('H-2.0-x\r\n')), true, 'an identification split across reads');
  assert.equal(new BannerWatch().feed(Buffer.alloc(9000, 0x41)), true, 'a long stream without SSH- is left to ssh2');
});
