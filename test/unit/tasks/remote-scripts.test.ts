import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkScript, parseCheck, startScript, statusOutcome } from '../../../src/tasks/remote-scripts.js';

const run = promisify(execFile);
const sh = (script: string, cwd: string) => run('/bin/sh', ['-c', script], { cwd, env: { ...process.env, HOME: cwd, SHELL: '/bin/sh' } });

test('status lines decode to exit code vs signal with core flag; anything else is a failed wrapper', () => {
  assert.deepEqual(statusOutcome('exited 0\n'), { kind: 'exited', code: 0 });
  assert.deepEqual(statusOutcome('exited 137 shell'), { kind: 'exited', code: 137 });
  assert.deepEqual(statusOutcome('signaled 11 1'), { kind: 'signaled', signal: 'SIGSEGV', coreDumped: true });
  assert.deepEqual(statusOutcome('signaled 15 0'), { kind: 'signaled', signal: 'SIGTERM', coreDumped: false });
  assert.equal(statusOutcome('error cannot start /bin/nosh').kind, 'failed');
});

test('the wrapper runs a task detached in its folder: args as $1.., output from the first byte, a decoded status; a second start is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-wrap-'));
  try {
    const spec = { id: 't.1', name: 't', command: 'echo "[$1] [$2] $LWT_TASK_ID $FOO"; echo e >&2; kill -SEGV $$', args: ['a b', "it's"], env: { FOO: 'bar' }, cookie: 'abc123', inputs: false };
    const first = await sh(startScript(spec), dir);
    assert.match(first.stdout, /^LWT-STARTED \d+ \d+ abc123 none$/m);
    const again = await sh(startScript(spec), dir);
    assert.equal(again.stdout.trim(), 'LWT-EXISTS', 'the task folder is made exclusively');
    let state = parseCheck((await sh(checkScript(['t.1', 'nope']), dir)).stdout);
    for (let i = 0; i < 50 && state.get('t.1')?.kind !== 'ended'; i++) {
      await sleep(100);
      state = parseCheck((await sh(checkScript(['t.1', 'nope']), dir)).stdout);
    }
    assert.deepEqual(state.get('nope'), { kind: 'absent' });
    const ended = state.get('t.1');
    assert.equal(ended?.kind, 'ended');
    assert.deepEqual(statusOutcome(ended?.kind === 'ended' ? ended.status : ''), { kind: 'signaled', signal: 'SIGSEGV', coreDumped: (ended?.kind === 'ended' && ended.status.endsWith(' 1')) || false });
    const d = join(dir, '.lwt-tasks', 't.1');
    assert.equal(await readFile(join(d, 'out', 'stdout'), 'utf8'), "[a b] [it's] t.1 bar\n");
    assert.equal(await readFile(join(d, 'out', 'stderr'), 'utf8'), 'e\n');
    assert.equal((await stat(join(d, 'work'))).isDirectory(), true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('check output parses line by line; junk around it is ignored', () => {
  const m = parseCheck('motd junk\nE a.1 exited 0\nR a.2\nV a.3\nS a.4\nA a.5\n');
  assert.deepEqual([...m], [
    ['a.1', { kind: 'ended', status: 'exited 0' }],
    ['a.2', { kind: 'running' }],
    ['a.3', { kind: 'vanished' }],
    ['a.4', { kind: 'starting' }],
    ['a.5', { kind: 'absent' }],
  ]);
});

test('without a writable cgroup: memory and pids limits fall back to rlimits; a CPU share refuses the start, naming the host', { skip: process.getuid?.() !== 0 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-wrap-'));
  try {
    // A mount namespace whose /sys/fs/cgroup is an empty tmpfs: a host without cgroups.
    const noCgroups = (script: string) =>
      run('unshare', ['--mount', '--propagation', 'private', '/bin/sh', '-c', 'mount -t tmpfs none /sys/fs/cgroup && exec /bin/sh -c "$0"', script], { cwd: dir, env: { ...process.env, HOME: dir, SHELL: '/bin/sh' } });
    const base = { name: 't', args: [], env: {}, cookie: 'c', inputs: false };
    const a = await noCgroups(startScript({ ...base, id: 'mem.1', command: 'ulimit -v', limits: { memoryBytes: 64 * 1024 * 1024 } }));
    assert.match(a.stdout, /^LWT-STARTED \d+ \d+ c rlimit$/m);
    for (let i = 0; i < 50; i++) {
      if (await readFile(join(dir, '.lwt-tasks', 'mem.1', 'status'), 'utf8').catch(() => '')) break;
      await sleep(100);
    }
    assert.equal(await readFile(join(dir, '.lwt-tasks', 'mem.1', 'out', 'stdout'), 'utf8'), `${64 * 1024}\n`, 'ulimit -v in KB');
    const b = await noCgroups(startScript({ ...base, id: 'cpu.1', command: 'true', limits: { cpu: 0.5 } }));
    assert.match(b.stdout, /^LWT-LIMITS-UNSUPPORTED \S+$/m);
    await assert.rejects(stat(join(dir, '.lwt-tasks', 'cpu.1')), 'nothing left: the task may start elsewhere');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
