import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseProbeOutput, probeCommand } from '../../../src/hosts/probe.js';

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

test('every key parses on its own; missing, empty and non-numeric values are left out', () => {
  assert.deepEqual(parseProbeOutput('load=1 2\n'), { load1: 1, load5: 2 });
  assert.deepEqual(parseProbeOutput('uptime=5 99\n'), { uptimeSec: 5 });
  assert.deepEqual(parseProbeOutput('disk= 7\n'), { diskFreeKb: 7 });
  assert.deepEqual(parseProbeOutput('mem=1\n'), { memAvailableKb: 1 });
  assert.deepEqual(parseProbeOutput('ps=1 2 3\n'), { cpuPctTotal: 1, memPctTotal: 2, cpuPctUser: 3 });
  assert.deepEqual(parseProbeOutput('lwt=\ncpus=Infinity\nlwt=0\n'), { lwtProcesses: 0 });
  assert.deepEqual(parseProbeOutput('cpus=8\r\n'), { cpus: 8 });
  assert.deepEqual(parseProbeOutput('=3\nx=1\n'), {});
  assert.deepEqual(parseProbeOutput('load=0.1 =0.2\n'), { load1: 0.1 });
});

test('the probe command runs under sh here and reports what this machine has', () => {
  const out = execFileSync('/bin/sh', ['-c', probeCommand({ diskPath: '/', load: true })], { encoding: 'utf8' });
  const m = parseProbeOutput(out);
  for (const k of ['load1', 'load5', 'load15', 'uptimeSec', 'cpus', 'diskFreeKb', 'diskUsePct', 'memAvailableKb', 'memTotalKb', 'cpuPctTotal', 'memPctTotal', 'cpuPctUser', 'memPctUser', 'lwtProcesses'] as const) {
    assert.equal(typeof m[k], 'number', `${k} in ${out}`);
  }
  assert.ok(m.cpus! >= 1);
  const plain = parseProbeOutput(execFileSync('/bin/sh', ['-c', probeCommand({ diskPath: '/', load: false })], { encoding: 'utf8' }));
  assert.equal(plain.cpuPctTotal, undefined);
  assert.equal(plain.lwtProcesses, undefined);
  assert.equal(typeof plain.diskUsePct, 'number');
});

test('an empty value is no 0, and values split on runs of blanks', () => {
  assert.deepEqual(parseProbeOutput('mem=\nload=\n'), {});
  assert.deepEqual(parseProbeOutput('load=1  2\t 3\n'), { load1: 1, load5: 2, load15: 3 });
});
