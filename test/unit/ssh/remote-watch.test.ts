import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wrapRemoteCommand } from '../../../src/ssh/remote-command.js';
import { WATCH_KILL_SCRIPT } from '../../../src/ssh/remote-kill.js';

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
  return spawn('/bin/sh', ['-c', WATCH_KILL_SCRIPT, 'lwt-watch', 'watch', String(leader), String(parent)], {
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

/**
 * The wrapper as sshd runs it, under a parent of its own (sshd's place): `sh -c 'printf
 * COOKIE | bash -c "$W"'`, so that the login shell's parent is not this test.
 */
function wrapped(command: string, shell = 'bash'): { parent: ReturnType<typeof spawn>; line: string } {
  const { line } = wrapRemoteCommand({ command });
  const parent = spawn('/bin/sh', ['-c', `printf "0123abcd\\n" | ${shell} -c "$W"; :`], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, W: line, PATH: `${dir}:${process.env.PATH ?? ''}` },
  });
  return { parent, line };
}

/** Children of `pid`, from /proc (the first task's children list). */
async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.split(' ').filter(Boolean).map(Number);
}

/** The live processes of session `sid`, by pid (the watchdog stays in the job's session wherever it was reparented). */
async function sessionMembers(sid: number): Promise<number[]> {
  const found: number[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const stat = await readFile(`/proc/${d}/stat`, 'utf8').catch(() => '');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (f[0] !== 'Z' && Number(f[3]) === sid) found.push(Number(d)); // state, ppid, pgrp, session
  }
  return found;
}

const processesOf = async (sid: number): Promise<number> => (await sessionMembers(sid)).length;

/** Kill the process group of `pid` when the test ends, whatever it left. */
function killGroupAfter(t: { after(fn: () => void): void }, pid: number): void {
  t.after(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  });
}

async function until<T>(what: () => Promise<T | undefined>, ms: number): Promise<T | undefined> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    const v = await what();
    if (v !== undefined) return v;
  }
  return undefined;
}

/** The child of `parent` whose command line is `cmdline` (NUL-separated), waited for up to `ms`. */
const childRunning = (parent: number, cmdline: string, ms: number): Promise<number | undefined> =>
  until(async () => {
    for (const c of await childrenOf(parent)) if ((await readFile(`/proc/${c}/cmdline`, 'utf8').catch(() => '')) === cmdline) return c;
    return undefined;
  }, ms);

test('watchdog of the wrapper: a subshell of the login shell (no /bin/sh started) that looks every second while the job runs, starting no process to wait (bash), and ends with it', async (t) => {
  await rm(sleeps, { force: true });
  const { parent } = wrapped('/bin/sleep 3'); // by path: the `sleep` on PATH counts the watchdog's
  killGroupAfter(t, parent.pid!);
  // The login shell runs the job as its last command (bash execs it): the leader; the watchdog is its child.
  const leader = await childRunning(parent.pid!, '/bin/sleep\x003\x00', 10_000);
  assert.ok(leader, 'the job runs');
  const watchdog = await until(async () => (await childrenOf(leader))[0], 10_000);
  assert.ok(watchdog, 'a watchdog beside the job');
  const exe = await readlink(`/proc/${watchdog}/exe`).catch(() => '');
  assert.match(exe, /\/bash$/, `the watchdog runs ${exe}, not a fork of the login shell`);
  assert.equal(await exited(parent, 15_000), 0, 'the job ran to its end: nothing killed it');
  assert.equal(await sleepCalls(), 0, 'bash waits between looks with read -t, not a sleep process');
  assert.equal(await until(async () => ((await readFile(`/proc/${watchdog}/stat`, 'utf8').catch(() => '')) === '' ? true : undefined), 5000), true, 'the watchdog ended with the job');
});

test('watchdog of the wrapper under a shell without read -t (dash): it sleeps between looks and ends with the job', async (t) => {
  await rm(sleeps, { force: true });
  const { parent } = wrapped('/bin/sleep 2.5', '/bin/sh');
  killGroupAfter(t, parent.pid!);
  assert.equal(await exited(parent, 15_000), 0, 'the job ran to its end: nothing killed it');
  assert.ok((await sleepCalls()) >= 1, 'it slept between looks');
  assert.deepEqual(await until(async () => ((await processesOf(parent.pid!)) === 0 ? [] : undefined), 5000), [], 'the watchdog ended with the job');
});

// `a & b & wait` is how a script waits for its own background jobs; a bare `wait` waits for
// every child of the shell, so a watchdog that is one (it waits for the job to end) would make
// the job wait forever. bash drops it from its jobs (disown), other shells start it from a
// subshell that exits at once.
for (const shell of ['bash', '/bin/sh']) {
  test(`watchdog of the wrapper (${shell}): a bare \`wait\` in the command does not wait for it`, async (t) => {
    const { parent } = wrapped('sleep 0.2 & wait; exit 7', shell);
    killGroupAfter(t, parent.pid!);
    // Loose: the job takes 0.2 s; waiting for the watchdog, it would never end.
    assert.equal(await exited(parent, 15_000), 0, 'the job ended');
  });
}

// A command name may hold ") " (the kernel's comm is the file name): the fields the watchdog
// reads start after the last ") " of the stat line. Read after the first one, a job named
// `x) 1 2 y` would look reparented (parent "2") and be killed while its connection is alive.
for (const shell of ['bash', '/bin/sh']) {
  test(`watchdog of the wrapper (${shell}): a job whose command name holds ") " is left to run under its connection`, async (t) => {
    const name = join(dir, 'x) 1 2 y');
    const marker = join(dir, `ran-to-end-${shell.replace(/\W/g, '')}`);
    await writeFile(name, '#!/bin/sh\n/bin/sleep 2.5\necho done > "$1"\n');
    await chmod(name, 0o755);
    // bash execs the last command: the job's leader then bears the odd name.
    const { parent } = wrapped(`'${name}' '${marker}'`, shell);
    killGroupAfter(t, parent.pid!);
    assert.equal(await exited(parent, 15_000), 0, 'the job ended');
    assert.equal(await readFile(marker, 'utf8').catch(() => 'killed before its end'), 'done\n');
  });
}

// A `wait` lwt cannot see in the text (here built by eval; a function from the user's bashrc
// is the same): bash's watchdog is then a process substitution, which a bare `wait` waits for.
// It sees that the leader is still bash and has no child but itself, hands over to a copy of
// itself outside the shell and exits, so the `wait` returns; the copy guards the rest of the job.
test('watchdog of the wrapper (bash): a bare `wait` the text does not show returns, and the rest of the job is still guarded', async (t) => {
  const { parent, line } = wrapped('eval "sleep 0.2 & wa""it"; /bin/sleep 30');
  assert.match(line, />\(lwt_watch/, 'the process-substitution kind');
  killGroupAfter(t, parent.pid!);
  // The `wait` returned: the job went on to its last command.
  const leader = await childRunning(parent.pid!, '/bin/sleep\x0030\x00', 15_000);
  assert.ok(leader, 'the wait returned and the job went on');
  // sshd's place goes away (the connection died): the copy of the watchdog kills the job.
  process.kill(parent.pid!, 'SIGKILL');
  assert.deepEqual(await until(async () => ((await processesOf(parent.pid!)) === 0 ? [] : undefined), 10_000), [], 'the job was killed after its connection went');
});


// sshd closes a channel when every copy of the job's stdout and stderr is closed. A watchdog that
// kept one (a shell keeps a copy to put back after a redirection on a call: bash for a function,
// dash for any) would hold every job's end up to its next look. Here the login shell's stdout
// and stderr are pipes, as under sshd, and no process but the job's own may hold them.
for (const [shell, command] of [
  ['bash', '/bin/sleep 3'],
  ['bash', 'true wait; /bin/sleep 3'],
  ['bash --posix', '/bin/sleep 3'],
  ['/bin/sh', '/bin/sleep 3'],
] as const) {
  test(`watchdog of the wrapper (${shell}, ${command}): it holds no copy of the job's stdout or stderr`, async (t) => {
    const { line } = wrapRemoteCommand({ command });
    const [exe, ...args] = shell.split(' ');
    const login = spawn(exe!, [...args, '-c', line], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    killGroupAfter(t, login.pid!);
    login.stdout!.resume();
    login.stderr!.resume();
    login.stdin!.end('0123abcd\n');
    const out = await readlink(`/proc/${login.pid}/fd/1`);
    const err = await readlink(`/proc/${login.pid}/fd/2`);
    // The job runs (bash execs it as the login shell's pid, dash as a child) and a watchdog beside it.
    const job = await until(async () => {
      for (const p of await sessionMembers(login.pid!)) if ((await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')) === '/bin/sleep\x003\x00') return p;
      return undefined;
    }, 10_000);
    assert.ok(job, 'the job runs');
    const others = await until(async () => {
      const o = (await sessionMembers(login.pid!)).filter((p) => p !== job && p !== login.pid);
      return o.length > 0 ? o : undefined;
    }, 10_000);
    assert.ok(others, 'a watchdog runs beside the job');
    for (const p of others) {
      for (const fd of await readdir(`/proc/${p}/fd`).catch(() => [])) {
        const target = await readlink(`/proc/${p}/fd/${fd}`).catch(() => '');
        assert.ok(target !== out && target !== err, `process ${p} (${(await readFile(`/proc/${p}/comm`, 'utf8').catch(() => '')).trim()}) holds the job's ${target === out ? 'stdout' : 'stderr'} as fd ${fd}`);
      }
    }
  });
}
