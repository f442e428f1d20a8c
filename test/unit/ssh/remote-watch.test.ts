import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REMOTE_KILL_SCRIPT } from '../../../src/ssh/remote-kill.js';

// The watchdog run here, on this machine, as the wrapper starts it on a host, with a `sleep`
// first on PATH that notes each call: what it costs a host is mostly the processes it starts.
let dir = '';
let sleeps = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lwt-watch-'));
  sleeps = join(dir, 'sleeps');
  await writeFile(join(dir, 'sleep'), `#!/bin/sh\necho "$*" >> '${sleeps}'\nexec /bin/sleep "$@"\n`);
  await chmod(join(dir, 'sleep'), 0o755);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function watchdog(leader: number, parent: number): ReturnType<typeof spawn> {
  return spawn('/bin/sh', ['-c', REMOTE_KILL_SCRIPT, 'lwt-watch', 'watch', String(leader), String(parent)], {
    stdio: 'ignore',
    env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}`, LWT_JOB: 'abc123' },
  });
}

const exited = (p: ReturnType<typeof spawn>, ms: number): Promise<number | null | 'running'> =>
  new Promise((resolve) => {
    const t = setTimeout(() => resolve('running'), ms);
    p.once('exit', (code) => (clearTimeout(t), resolve(code)));
  });

const sleepCalls = async (): Promise<number> => (await readFile(sleeps, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

test('watchdog: a job that has already ended costs no sleep process; the watchdog exits at once', async () => {
  await rm(sleeps, { force: true });
  const done = spawnSync('true');
  const gone = done.pid!;
  const w = watchdog(gone, process.pid);
  assert.equal(await exited(w, 10_000), 0);
  assert.equal(await sleepCalls(), 0, 'the watchdog slept before looking');
});

test('watchdog: while the job runs under its parent it sleeps and looks again; it exits once the job ends', async (t) => {
  await rm(sleeps, { force: true });
  const job = spawn('/bin/sleep', ['60'], { stdio: 'ignore' });
  t.after(() => job.kill('SIGKILL'));
  const w = watchdog(job.pid!, process.pid);
  t.after(() => w.kill('SIGKILL'));
  assert.equal(await exited(w, 1500), 'running', 'the job is alive: the watchdog stays');
  assert.ok((await sleepCalls()) >= 1);
  job.kill('SIGKILL');
  // Loose: it looks once a second; this only rules out "never".
  assert.equal(await exited(w, 10_000), 0);
  assert.equal(job.signalCode, 'SIGKILL', 'killed by the test, not by the watchdog');
});
