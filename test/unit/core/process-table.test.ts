import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseProcStat, snapshotProcesses } from '../../../src/core/process-table.js';

test('parseProcStat counts fields from the last parenthesis: names may hold spaces and ")"', () => {
  assert.deepEqual(parseProcStat('1234 (sh) S 1 1234 1234 0 -1 4194560'), { pid: 1234, ppid: 1, pgid: 1234, sid: 1234 });
  assert.deepEqual(parseProcStat('77 (a) b) (c) R 5 6 7 34816 77'), { pid: 77, ppid: 5, pgid: 6, sid: 7 });
  assert.deepEqual(parseProcStat('4242 (we (ird) name) S 17 4242 4242 0 -1 4194560 100'), { pid: 4242, ppid: 17, pgid: 4242, sid: 4242 });
  assert.deepEqual(parseProcStat('9 () D 0 0 0'), { pid: 9, ppid: 0, pgid: 0, sid: 0 });
});

test('parseProcStat: zombies, dead and broken rows are no process to kill', () => {
  assert.equal(parseProcStat('55 (gone) Z 1 55 55 0'), undefined);
  assert.equal(parseProcStat('55 (gone) X 1 55 55 0'), undefined);
  assert.equal(parseProcStat('55 no parenthesis S 1 2 3'), undefined);
  assert.equal(parseProcStat('55 (short) S 1 2'), undefined);
  assert.equal(parseProcStat('x (name) S 1 2 3'), undefined);
});

test('snapshotProcesses: this process with its parent links, and the cookie found in a child\'s environment', async () => {
  const cookie = `LWT_JOB=test-${process.pid}-${Date.now()}`;
  const [name, value] = cookie.split('=') as [string, string];
  const child = spawn('/bin/sh', ['-c', 'sleep 30'], { env: { PATH: process.env.PATH, [name]: value }, stdio: 'ignore' });
  try {
    await once(child, 'spawn');
    const rows = await snapshotProcesses({ cookie });
    const self = rows.find((r) => r.pid === process.pid);
    assert.deepEqual(self && { ppid: self.ppid, hasCookie: self.hasCookie }, { ppid: process.ppid, hasCookie: false });
    const kid = rows.find((r) => r.pid === child.pid);
    assert.deepEqual(kid && { ppid: kid.ppid, hasCookie: kid.hasCookie }, { ppid: process.pid, hasCookie: true });
    const without = await snapshotProcesses();
    assert.equal(without.find((r) => r.pid === child.pid)?.hasCookie, false);
    // A cookie is matched whole, not as a prefix of another value.
    const prefix = await snapshotProcesses({ cookie: cookie.slice(0, -1) });
    assert.equal(prefix.find((r) => r.pid === child.pid)?.hasCookie, false);
  } finally {
    child.kill('SIGKILL');
  }
});
