import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyProbe, DEFAULT_THRESHOLDS, nextHealth, type HostHealth } from '../../../src/hosts/health.js';
import { parseProbeOutput, probeCommand } from '../../../src/hosts/probe.js';

const ok = { kind: 'exited', code: 0 } as const;

test('probe output parses into metrics; broken lines are ignored', () => {
  const m = parseProbeOutput('load=0.50 0.40 0.30\nuptime=1234.5\ncpus=4\ndisk=1000 42\nmem=512 2048\nps=12.5 30.0 1.5 2.0\nlwt=3\ngarbage\nload2=x\n');
  assert.deepEqual(m, {
    load1: 0.5, load5: 0.4, load15: 0.3, uptimeSec: 1234.5, cpus: 4, diskFreeKb: 1000, diskUsePct: 42,
    memAvailableKb: 512, memTotalKb: 2048, cpuPctTotal: 12.5, memPctTotal: 30, cpuPctUser: 1.5, memPctUser: 2, lwtProcesses: 3,
  });
  assert.deepEqual(parseProbeOutput('load=abc\n'), {});
});

test('the probe command quotes the disk path and adds the load part only on request', () => {
  assert.match(probeCommand({ diskPath: "/data/it's", load: false }), /df -Pk -- '\/data\/it'\\''s'/);
  // `--`: a --disk-path beginning with '-' is a path, not a df option.
  assert.match(probeCommand({ diskPath: '-x', load: false }), /df -Pk -- -x /);
  assert.doesNotMatch(probeCommand({ diskPath: '/', load: false }), /ps -eo/);
  assert.match(probeCommand({ diskPath: '/', load: true }), /ps -eo user=,pcpu=,pmem=/);
});

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
