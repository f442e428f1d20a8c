/**
 * runLocalProcess with real /bin/sh commands: outcomes, output, stdin, cap, and kills
 * (lwt run's end-to-end tests are in test/integration/run-local.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLocalProcess, JOB_COOKIE_VAR } from '../../../src/core/local-process.js';
import { snapshotProcesses } from '../../../src/core/process-table.js';
import { Spawner } from '../../../src/core/spawner.js';
import type { StdinPipe } from '../../../src/core/capped-output.js';

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

test('a job leads a session and process group of its own (lwt kills it by them)', async () => {
  const r = await run('ps -o sid= -o pgid= -p $$');
  assert.deepEqual(r.stdout.trim().split(/\s+/).map(Number), [r.pid, r.pid]);
});

test("a long-lived worker's stdin: writes arrive, end closes it, and a worker that closed its stdin is no error", async () => {
  let pipe: StdinPipe | undefined;
  const pending = run('cat; echo end', { onStdin: (p) => (pipe = p) });
  assert.ok(pipe);
  pipe.write('one\n');
  pipe.write(Buffer.from('two\n'));
  pipe.end();
  assert.equal((await pending).stdout, 'one\ntwo\nend\n');
  // The worker closes its stdin and lives on: writes then meet a closed pipe (EPIPE).
  let closed: StdinPipe | undefined;
  const worker = run('exec 0<&-; echo closed; sleep 0.5', { onStdin: (p) => (closed = p), onOutput: () => closed?.write(Buffer.alloc(1 << 20)) });
  const r = await worker;
  assert.deepEqual([r.outcome, r.stdout], [{ kind: 'exited', code: 0 }, 'closed\n']);
});

test('through a spawner: outcomes, output, cookie and pid as without; env, cwd or stdin bypass it', async () => {
  const spawner = await Spawner.start();
  assert.ok(spawner, 'perl is on every supported system');
  const perlPid = (spawner as unknown as { child: { pid: number } }).child.pid;
  try {
    const r = await run('echo "$PPID $LWT_JOB"; echo err >&2; exit 3', { spawner });
    assert.deepEqual([r.outcome, r.stderr], [{ kind: 'exited', code: 3 }, 'err\n']);
    const [ppid, cookie] = r.stdout.trim().split(' ');
    assert.equal(Number(ppid), perlPid, 'forked by the spawner');
    assert.match(cookie ?? '', new RegExp(`^${process.pid}\\.[0-9a-f]{12}$`));
    assert.equal(typeof r.pid, 'number');
    const k = await run('kill -TERM $$', { spawner });
    assert.deepEqual(k.outcome, { kind: 'signaled', signal: 'SIGTERM', coreDumped: false });
    const bypass = [
      { env: { PATH: process.env.PATH } },
      { cwd: '/tmp' },
      { stdin: Buffer.from('x') },
      { onStdin: (p: StdinPipe) => p.end() },
    ];
    for (const extra of bypass) {
      const b = await run('echo $PPID', { spawner, ...extra });
      assert.equal(Number(b.stdout), process.pid, `${Object.keys(extra)[0]}: started by lwt itself`);
    }
  } finally {
    await spawner.close();
  }
});

test('through a spawner: an abort while the job is being started still kills it; a lost spawner is a local error, its job killed', async () => {
  const spawner = await Spawner.start();
  assert.ok(spawner);
  try {
    const ctl = new AbortController();
    const pending = run('sleep 30', { spawner, signal: ctl.signal });
    ctl.abort({ kind: 'timeout', afterMs: 5 }); // before the spawner reported the pid
    const r = await pending;
    // 1 or 2 processes: the fork may not have become `sleep` yet.
    assert.deepEqual({ ...r.outcome, killed: undefined }, { kind: 'timeout', afterMs: 5, killed: undefined });
    assert.ok(r.outcome.kind === 'timeout' && r.outcome.killed >= 1, 'killed by lwt, not ended by itself');
  } finally {
    await spawner.close();
  }
  const doomed = await Spawner.start();
  assert.ok(doomed);
  let jobPid: number | undefined;
  const lost = run('echo up; sleep 30', { spawner: doomed, onOutput: () => void (jobPid ??= -1) });
  for (let i = 0; i < 500 && jobPid === undefined; i++) await new Promise((res) => setTimeout(res, 10));
  assert.equal(jobPid, -1, 'the job was running');
  (doomed as unknown as { child: { kill(s: string): void } }).child.kill('SIGKILL');
  const r = await lost;
  assert.deepEqual(r.outcome, { kind: 'local-error', message: `the job spawner (${doomed!.name}) ended: SIGKILL` });
  const live = new Set((await snapshotProcesses()).map((p) => p.pid));
  assert.equal(live.has(r.pid!), false, 'the orphaned job was killed');
});
