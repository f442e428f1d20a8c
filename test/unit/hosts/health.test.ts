import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyProbe, DEFAULT_THRESHOLDS, nextHealth, readHealth, writeHealth, type HostHealth } from '../../../src/hosts/health.js';

const ok = { kind: 'exited', code: 0 } as const;

test('classification: unreachable reasons, probe failures, thresholds', () => {
  const c = (p: Parameters<typeof classifyProbe>[0]) => classifyProbe(p, { ...DEFAULT_THRESHOLDS, minRate: 1000 }).state;
  assert.equal(c({ outcome: { kind: 'unreachable', reason: 'refused', message: 'x' } }), 'refused');
  assert.equal(c({ outcome: { kind: 'unreachable', reason: 'reset', message: 'x' } }), 'refused');
  assert.equal(c({ outcome: { kind: 'unreachable', reason: 'config', message: 'x' } }), 'refused');
  assert.equal(c({ outcome: { kind: 'unreachable', reason: 'connect-timeout', message: 'x' } }), 'timeout');
  assert.equal(c({ outcome: { kind: 'unreachable', reason: 'auth', message: 'x' } }), 'auth');
  assert.equal(c({ outcome: { kind: 'unreachable', reason: 'host-key', message: 'x' } }), 'host-key');
  assert.equal(c({ outcome: { kind: 'unreachable', reason: 'dns', message: 'x' } }), 'dns');
  assert.equal(c({ outcome: { kind: 'timeout', afterMs: 10, killed: 1 } }), 'timeout');
  assert.equal(c({ outcome: { kind: 'exited', code: 1 } }), 'refused');
  assert.equal(c({ outcome: ok, metrics: { load1: 9, cpus: 4 } }), 'overloaded');
  assert.equal(c({ outcome: ok, metrics: { load1: 7, cpus: 4 } }), 'ok');
  assert.equal(c({ outcome: ok, metrics: { diskUsePct: 96 } }), 'overloaded');
  assert.equal(c({ outcome: ok, upRate: 500, downRate: 5000 }), 'slow');
  assert.equal(c({ outcome: ok, upRate: 5000, downRate: 5000 }), 'ok');
  assert.match(classifyProbe({ outcome: ok, metrics: { diskUsePct: 99 } }, DEFAULT_THRESHOLDS).why, /disk 99% used, over 95%/);
});

test('thresholds at their boundary: exactly at the limit is ok, just over it is not', () => {
  const t = { maxLoadPerCpu: 2, maxDiskPct: 95, minRate: 1000 };
  const at = (p: Omit<Parameters<typeof classifyProbe>[0], 'outcome'>) => classifyProbe({ outcome: ok, ...p }, t);
  assert.deepEqual(at({ metrics: { load1: 8, cpus: 4 } }), { state: 'ok', why: 'ok' });
  assert.deepEqual(at({ metrics: { load1: 8.04, cpus: 4 } }), { state: 'overloaded', why: 'load 8.04 on 4 CPUs is over 2 per CPU' });
  assert.deepEqual(at({ metrics: { diskUsePct: 95 } }), { state: 'ok', why: 'ok' });
  assert.deepEqual(at({ metrics: { diskUsePct: 96 } }), { state: 'overloaded', why: 'disk 96% used, over 95%' });
  assert.deepEqual(at({ upRate: 1000, downRate: 1000 }), { state: 'ok', why: 'ok' });
  assert.deepEqual(at({ upRate: 999, downRate: 1000 }), { state: 'slow', why: 'upload 0.00 MiB/s, under 0.00 MiB/s' });
  assert.deepEqual(
    classifyProbe({ outcome: ok, upRate: 2 * 1024 * 1024, downRate: 512 * 1024 }, DEFAULT_THRESHOLDS),
    { state: 'slow', why: 'download 0.50 MiB/s, under 1.00 MiB/s' },
  );
  // Without a CPU count the load says nothing; a load of 0 is not over anything.
  assert.equal(at({ metrics: { load1: 100 } }).state, 'ok');
  assert.equal(at({ metrics: { load1: 0, cpus: 1 } }).state, 'ok');
  assert.deepEqual(DEFAULT_THRESHOLDS, { maxLoadPerCpu: 2, maxDiskPct: 95, minRate: 1048576 });
});

test('classification: every outcome kind has its state and says why', () => {
  const c = (outcome: Parameters<typeof classifyProbe>[0]['outcome']) => classifyProbe({ outcome }, DEFAULT_THRESHOLDS);
  assert.deepEqual(c({ kind: 'unreachable', reason: 'protocol', message: 'bad banner' }), { state: 'refused', why: 'bad banner' });
  assert.deepEqual(c({ kind: 'unreachable', reason: 'auth', message: 'no key' }), { state: 'auth', why: 'no key' });
  assert.deepEqual(c({ kind: 'timeout', afterMs: 1500, killed: 1 }), { state: 'timeout', why: 'probe command timed out after 1500 ms' });
  assert.deepEqual(c({ kind: 'exited', code: 127 }), { state: 'refused', why: 'probe command exited 127' });
  assert.deepEqual(c({ kind: 'signaled', signal: 'SIGKILL', coreDumped: false }), { state: 'refused', why: 'probe command killed by SIGKILL' });
  assert.deepEqual(c({ kind: 'no-status' }), { state: 'refused', why: 'probe channel closed without exit status' });
  assert.deepEqual(c({ kind: 'cancelled', killed: 0, started: false }), { state: 'timeout', why: 'cancelled' });
  assert.deepEqual(c({ kind: 'lost', message: 'reset' }), { state: 'refused', why: 'connection lost during the probe: reset' });
  assert.deepEqual(c({ kind: 'failed', message: 'sftp' }), { state: 'refused', why: 'sftp' });
  assert.deepEqual(c({ kind: 'local-error', message: 'spawn' }), { state: 'refused', why: 'spawn' });
  assert.deepEqual(c({ kind: 'internal', message: 'bug' }), { state: 'refused', why: 'bug' });
  assert.deepEqual(c(ok), { state: 'ok', why: 'ok' });
});

test('hysteresis: drop after K failures in a row, restore after M successes, new failing hosts never listed', () => {
  const H = { dropAfter: 2, restoreAfter: 2 };
  const good = { state: 'ok' as const, why: 'ok' };
  const bad = { state: 'refused' as const, why: 'connection refused' };
  let h: HostHealth | undefined;
  const step = (found: typeof good | typeof bad, t: string) => {
    const r = nextHealth(h, found, H, t);
    h = r.health;
    return r.change;
  };
  assert.equal(step(bad, 't0'), undefined, 'a new host that fails is not listed');
  assert.equal(h!.listed, false);
  assert.equal(step(good, 't1'), undefined, 'one success is not enough with M=2');
  assert.equal(step(good, 't2'), 'restored');
  assert.equal(h!.listed, true);
  assert.equal(step(bad, 't3'), undefined, 'one failure keeps it listed with K=2');
  assert.equal(h!.listed, true);
  assert.equal(h!.since, 't3');
  assert.equal(step(good, 't4'), undefined, 'a success resets the failure count');
  assert.equal(step(bad, 't5'), undefined);
  assert.equal(step(bad, 't6'), 'dropped');
  assert.equal(h!.listed, false);
  assert.equal(h!.since, 't5', 'since: first time in the current state');
  assert.equal(h!.consecutiveFailures, 2);
  assert.equal(h!.lastOk, 't4');
  assert.equal(nextHealth(undefined, good, { dropAfter: 1, restoreAfter: 1 }, 'x').change, 'added');
});

test('a host keeps its last metrics and lastOk through failures; latency is the latest probe\'s', () => {
  const H = { dropAfter: 1, restoreAfter: 1 };
  const metrics = { load1: 1, cpus: 2 };
  const up = nextHealth(undefined, { state: 'ok', why: 'ok', latencyMs: 12, metrics }, H, 't1');
  assert.deepEqual(up, {
    change: 'added',
    health: { state: 'ok', why: 'ok', listed: true, since: 't1', lastChecked: 't1', lastOk: 't1', consecutiveFailures: 0, consecutiveSuccesses: 1, latencyMs: 12, metrics },
  });
  const down = nextHealth(up.health, { state: 'timeout', why: 'slow' }, H, 't2');
  assert.deepEqual(down, {
    change: 'dropped',
    health: { state: 'timeout', why: 'slow', listed: false, since: 't2', lastChecked: 't2', lastOk: 't1', consecutiveFailures: 1, consecutiveSuccesses: 0, metrics },
  });
  // A listed host that succeeds stays listed without a change; an unlisted one failing stays out.
  assert.equal(nextHealth(up.health, { state: 'ok', why: 'ok' }, H, 't3').change, undefined);
  assert.equal(nextHealth(down.health, { state: 'refused', why: 'x' }, H, 't3').change, undefined);
  assert.equal(nextHealth(down.health, { state: 'ok', why: 'ok' }, H, 't3').change, 'restored');
});

test('the state file: written atomically and read back; a missing, torn or foreign file starts empty', async () => {
  const { mkdtemp, readdir, rm, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'lwt-health-'));
  const file = join(dir, 'health.json');
  const empty = { version: 1, updated: new Date(0).toISOString(), hosts: {} };
  assert.deepEqual(await readHealth(file), empty);
  const data = { version: 1 as const, updated: '2026-01-01T00:00:00.000Z', hosts: { web1: nextHealth(undefined, { state: 'ok', why: 'ok' }, { dropAfter: 2, restoreAfter: 1 }, 't').health } };
  await writeHealth(file, data);
  assert.deepEqual(await readHealth(file), data);
  assert.deepEqual(await readdir(dir), ['health.json']);
  for (const text of ['{"version":1,"upd', '{"version":2,"hosts":{}}', '{"version":1,"hosts":"x"}', 'null']) {
    await writeFile(file, text);
    assert.deepEqual(await readHealth(file), empty, text);
  }
  await rm(dir, { recursive: true });
});

test('banner and handshake timeouts and a host throttled for the whole budget are timeouts; the state file ends in a newline', async () => {
  for (const reason of ['banner-timeout', 'handshake-timeout', 'throttled'] as const) {
    assert.deepEqual(classifyProbe({ outcome: { kind: 'unreachable', reason, message: reason } }, DEFAULT_THRESHOLDS), { state: 'timeout', why: reason });
  }
  const { mkdtemp, readFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'lwt-health-'));
  await writeHealth(join(dir, 'h.json'), { version: 1, updated: '2026-01-01T00:00:00.000Z', hosts: {} });
  assert.equal(await readFile(join(dir, 'h.json'), 'utf8'), '{\n "version": 1,\n "updated": "2026-01-01T00:00:00.000Z",\n "hosts": {}\n}\n');
  await rm(dir, { recursive: true });
});
