/**
 * runLocalProcess with real /bin/sh commands: outcomes, output, stdin, cap, and kills
 * (lwt run's end-to-end tests are in test/integration/run-local.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLocalProcess, JOB_COOKIE_VAR } from '../../../src/core/local-process.js';
import { snapshotProcesses } from '../../../src/core/process-table.js';

const run = (command: string, extra: Partial<Parameters<typeof runLocalProcess>[0]> = {}) =>
  runLocalProcess({ command, signal: new AbortController().signal, outputCapBytes: 1 << 20, ...extra });

test('exit codes, signals and both streams', async () => {
  const r = await run('echo out; echo err >&2; exit 3');
  assert.deepEqual(r.outcome, { kind: 'exited', code: 3 });
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  assert.deepEqual(r.stdoutBytes, Buffer.from('out\n'));
  assert.deepEqual(r.truncated, { stdout: 0, stderr: 0 });
  assert.equal(typeof r.pid, 'number');
  const k = await run('kill -TERM $$');
  assert.deepEqual(k.outcome, { kind: 'signaled', signal: 'SIGTERM', coreDumped: false });
});

test('live output chunks, stdin given or /dev/null, env and cwd, and the job cookie', async () => {
  const chunks: string[] = [];
  const r = await run('cat; echo "[$X]" "$(pwd)"; echo "${LWT_JOB%%.*}"', {
    stdin: Buffer.from('from stdin\n'),
    env: { PATH: process.env.PATH, X: 'y' },
    cwd: '/tmp',
    onOutput: (stream, c) => chunks.push(`${stream}:${c.toString()}`),
  });
  assert.equal(r.stdout, `from stdin\n[y] /tmp\n${process.pid}\n`);
  assert.equal(chunks.filter((c) => c.startsWith('stdout:')).map((c) => c.slice(7)).join(''), r.stdout);
  assert.equal((await run('cat; echo end')).stdout, 'end\n', 'no stdin: /dev/null');
  assert.equal((await run('true', { stdin: Buffer.alloc(1 << 20) })).outcome.kind, 'exited', 'unread stdin is no error');
  assert.equal(JOB_COOKIE_VAR, 'LWT_JOB');
});

test('output over the cap keeps head and tail and counts what was dropped', async () => {
  const r = await run("printf 'a%.0s' $(seq 1 100)", { outputCapBytes: 10 });
  assert.equal(r.stdout, 'aaaaa\n[lwt: 90 bytes of output omitted]\naaaaa');
  assert.deepEqual(r.truncated, { stdout: 90, stderr: 0 });
});

test('a job ends when its output pipe closes, not when the shell exits', async () => {
  const r = await run('(sleep 0.3; echo late) & echo early');
  assert.equal(r.stdout, 'early\nlate\n');
});

test('abort kills the whole tree and reports our reason with the count', async () => {
  const ctl = new AbortController();
  const pending = run('sleep 30 & sleep 30 & wait', { signal: ctl.signal });
  // Bounded wait until both sleeps are there, then abort.
  let pids: number[] = [];
  for (let i = 0; i < 200 && pids.length < 2; i++) {
    await new Promise((r) => setTimeout(r, 10));
    const table = await snapshotProcesses();
    const shells = new Set(table.filter((p) => p.ppid === process.pid).map((p) => p.pid));
    pids = table.filter((p) => shells.has(p.ppid)).map((p) => p.pid);
  }
  assert.equal(pids.length, 2, 'the job was running');
  ctl.abort({ kind: 'timeout', afterMs: 99 });
  const r = await pending;
  assert.deepEqual(r.outcome, { kind: 'timeout', afterMs: 99, killed: 3 });
  const live = new Set((await snapshotProcesses()).map((p) => p.pid));
  assert.deepEqual(pids.filter((p) => live.has(p)), []);
});

test('a signal aborted before the start runs nothing', async () => {
  const ctl = new AbortController();
  ctl.abort({ kind: 'cancelled', signal: 'SIGINT' });
  const r = await run('echo ran', { signal: ctl.signal });
  assert.deepEqual(r.outcome, { kind: 'cancelled', killed: 0, started: false });
  assert.equal(r.stdout, '');
  assert.equal(r.pid, undefined);
});

test('a folder that does not exist is a local error, not a throw', async () => {
  const r = await run('true', { cwd: '/nonexistent-lwt-dir' });
  assert.equal(r.outcome.kind, 'local-error');
  assert.match((r.outcome as { message: string }).message, /^cannot run \/bin\/sh: spawn \/bin\/sh ENOENT/);
});
