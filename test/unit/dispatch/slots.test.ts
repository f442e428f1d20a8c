import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOCAL, SlotPool, defaultProbeDelayMs } from '../../../src/dispatch/slots.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('slots come as hosts answer; a lost host leaves at once and comes back when a probe connects', async () => {
  let answering = true;
  const states: string[] = [];
  const pool = new SlotPool({
    hosts: ['a', 'b'],
    perHost: 2,
    local: 1,
    probe: async (h) => (h === 'a' && !answering ? { message: 'reset' } : true),
    probeDelayMs: () => 5,
    onHostState: (h, s) => states.push(`${h}:${s}`),
  });
  pool.start();
  await tick();
  const got = [];
  for (let i = 0; i < 5; i++) got.push(await pool.acquire());
  assert.deepEqual(got.map((s) => `${s!.host}${s!.n}`).sort(), [':1', 'a1', 'a2', 'b1', 'b2']);
  answering = false;
  pool.hostFailed('a', 'reset');
  for (const s of got) pool.release(s!);
  const free = [];
  for (let i = 0; i < 3; i++) free.push(await pool.acquire());
  assert.ok(free.every((s) => s!.host !== 'a'), 'no slot of the lost host is handed out');
  answering = true;
  const back = await pool.acquire();
  assert.equal(back!.host, 'a', 'a waiting job gets the host once a probe connects');
  assert.deepEqual(states, ['a:up', 'b:up', 'a:down', 'a:up']);
  pool.close();
});

test('a host failing maxProbes probes in a row is given up; with no slot left acquire says so', async () => {
  const states: string[] = [];
  const pool = new SlotPool({ hosts: ['a'], perHost: 1, local: 0, probe: async () => ({ message: 'connect-timeout' }), probeDelayMs: () => 1, maxProbes: 3, onHostState: (_h, s, why) => states.push(`${s}: ${why}`) });
  pool.start();
  assert.equal(await pool.acquire(), undefined);
  assert.deepEqual(states, ['down: connect-timeout', 'dead: 3 connection attempts failed; last: connect-timeout']);
  assert.equal(pool.alive, false);
});

test('a host key or auth refusal (final) is given up at once', async () => {
  let probes = 0;
  const pool = new SlotPool({ hosts: ['a'], perHost: 1, local: 1, probe: async () => (probes++, { message: 'auth: no key', final: true }), probeDelayMs: () => 1 });
  pool.start();
  await sleep(20);
  assert.equal(pool.state('a'), 'dead');
  assert.equal(probes, 1);
  assert.equal((await pool.acquire())!.host, LOCAL);
  pool.close();
});

test('a retried line prefers another host, and takes an avoided one only when no other can come', async () => {
  const pool = new SlotPool({ hosts: ['a', 'b'], perHost: 1, local: 0, probe: async () => true });
  pool.start();
  await tick();
  assert.equal((await pool.acquire(new Set(['a'])))!.host, 'b');
  // Only a is free now, but b lives: wait for b rather than run on a again.
  let got: string | undefined;
  const waiting = pool.acquire(new Set(['a'])).then((s) => (got = s?.host));
  await tick();
  assert.equal(got, undefined);
  pool.release({ host: 'b', n: 1 });
  await waiting;
  assert.equal(got, 'b');
  const only = new SlotPool({ hosts: ['a'], perHost: 1, local: 0, probe: async () => true });
  only.start();
  await tick();
  assert.equal((await only.acquire(new Set(['a'])))!.host, 'a');
  only.close();
  pool.close();
});

test('close() and an aborted signal release waiting acquirers', async () => {
  const pool = new SlotPool({ hosts: [], perHost: 1, local: 1, probe: async () => true });
  await pool.acquire();
  const ctl = new AbortController();
  const a = pool.acquire(undefined, ctl.signal);
  ctl.abort();
  assert.equal(await a, undefined);
  const b = pool.acquire();
  pool.close();
  assert.equal(await b, undefined);
});

test('probe delays: 1 s doubling, capped at 30 s', () => {
  assert.deepEqual([1, 2, 3, 5, 6, 10].map(defaultProbeDelayMs), [1000, 2000, 4000, 16000, 30000, 30000]);
});
