/**
 * What lwt leaves and trusts on the remote side, against a real OpenSSH fleet whose hosts
 * each have a private scratch home (hostile startup files never touch this machine's home):
 * the watchdog that kills a job whose connection died, and the remote kill that believes
 * neither the pid the remote side reports nor processes of other users carrying the cookie.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { LWT_BIN, processesMatching, runLwt, runProgram, uniqueSeconds, type LwtRun } from './helpers.js';

let fleet: Fleet;
let home: string;

before(async () => {
  // SetEnv SHLVL=1 (a fleet default) stops bash from reading ~/.bashrc; the hostile rc tests need it read.
  fleet = await startFleet({ good: 4, port: 2233, firstAddress: '127.0.11.1', privateRoot: '/srv/lwt-host', privateHome: true, sshdOptions: { SetEnv: '' } });
  home = await mkdtemp(join(tmpdir(), 'lwt-home-'));
  await runLwt(['init', home]);
});

after(async () => {
  await fleet?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

const lwt = (args: string[], opts: Parameters<typeof runLwt>[1] = {}): Promise<LwtRun> =>
  runLwt(['--home', home, 'exec-all', '-F', fleet.sshConfig, ...args], opts);
const all = (): string => fleet.addresses('good').join(',');
const pidsOf = (lines: string[]): number[] => lines.map((l) => Number(l.split(':')[0]));

/** The login home of a host, as this process sees it through the host's mount namespace. */
async function hostHome(address: string): Promise<string> {
  const root = await fleet.hostRoot(address);
  return root.slice(0, root.length - fleet.privateRoot!.length) + userInfo().homedir;
}

async function waitFor(re: RegExp, count: number): Promise<string[]> {
  let found: string[] = [];
  for (let i = 0; i < 300 && (found = await processesMatching(re)).length < count; i++) await sleep(50);
  return found;
}

/** Poll until nothing matches (or give up after a loose bound); returns what is left. */
async function waitGone(re: RegExp, boundMs = 20_000): Promise<string[]> {
  const until = Date.now() + boundMs;
  let left = await processesMatching(re);
  while (left.length > 0 && Date.now() < until) {
    await sleep(200);
    left = await processesMatching(re);
  }
  return left;
}

/** Start lwt, SIGKILL it once `count` processes match `re` on the hosts. */
async function killLwtWhenRunning(args: string[], re: RegExp, count: number): Promise<LwtRun> {
  return lwt(args, {
    onSpawn: (pid) => {
      void waitFor(re, count).then(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* lwt ended already: the caller's assertion on its signal says so */
        }
      });
    },
  });
}

// A tree that ignores TERM and leaves the session: what the deadline kill also has to catch.
const stubborn = (n: number): string => `sh -c 'trap "" TERM HUP INT; sleep ${n}' & setsid sleep ${n + 1} & sleep ${n + 2}`;

test('kill -9 of lwt: the watchdog on every host kills the whole job tree', async () => {
  const n = uniqueSeconds();
  const re = new RegExp(`sleep (${n}|${n + 1}|${n + 2})$`);
  const started = Date.now();
  const r = await killLwtWhenRunning(['-w', all(), stubborn(n)], new RegExp(`sleep ${n + 2}$`), 4);
  assert.equal(r.signal, 'SIGKILL');
  const left = await waitGone(re);
  assert.deepEqual(left, [], 'processes of the job outlived lwt');
  // Loose: the watchdog polls every second; this only rules out "never".
  assert.ok(Date.now() - started < 30_000);
});

/**
 * Give every host's private home a startup file (and more files); removed afterwards.
 * The machine has no sudo, so --sudo tests get a stand-in on the hosts: `sudo -n CMD…` runs
 * CMD with SUDO_UID set, as sudo does for a NOPASSWD rule.
 */
async function withHomeFiles<T>(files: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const written: string[] = [];
  try {
    for (const a of fleet.addresses('good')) {
      const h = await hostHome(a);
      for (const [name, text] of Object.entries(files)) {
        const path = join(h, name);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, text, { mode: 0o755 });
        written.push(path);
      }
    }
    return await body();
  } finally {
    for (const p of written) await rm(p, { force: true });
  }
}
const FAKE_SUDO = {
  'bin/sudo': '#!/bin/sh\n[ "$1" = -n ] && shift\nSUDO_UID=$(id -u) exec "$@"\n',
  '.bashrc': 'PATH=$HOME/bin:$PATH\n',
};

test('kill -9 of lwt under --sudo: the watchdog kills the job too', async () => {
  const n = uniqueSeconds();
  const re = new RegExp(`sleep (${n}|${n + 1}|${n + 2})$`);
  await withHomeFiles(FAKE_SUDO, async () => {
    const r = await killLwtWhenRunning(['-w', all(), '--sudo', stubborn(n)], new RegExp(`sleep ${n + 2}$`), 4);
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    assert.deepEqual(await waitGone(re), []);
  });
});

test('--detach: the command keeps running after lwt is killed', async () => {
  const n = uniqueSeconds();
  const re = new RegExp(`sleep ${n}$`);
  const r = await killLwtWhenRunning(['-w', all(), '--detach', `sleep ${n}`], re, 4);
  assert.equal(r.signal, 'SIGKILL');
  try {
    await sleep(4000); // several watchdog periods
    assert.equal((await processesMatching(re)).length, 4);
  } finally {
    for (const p of pidsOf(await processesMatching(re))) process.kill(p, 'SIGKILL');
  }
});

test('the watchdog neither eats stdin nor outlives a job that ended', async () => {
  const input = join(home, 'input.bin');
  const data = Buffer.from('line one\nline two\n');
  await writeFile(input, data);
  const r = await lwt(['-w', all(), '--json', '--stdin', input, 'cat']);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  lines.pop();
  for (const l of lines) assert.equal(l.stdout, data.toString(), l.host);
  assert.deepEqual(await waitGone(/lwt-watch/, 5000), []);
});

/** A local process in a session and group of its own: what a forged pid line aims the kill at. */
function victim(n: number, user?: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  const argv = user ? ['setpriv', `--reuid=${user}`, `--regid=${user === 'nobody' ? 'nogroup' : user}`, '--clear-groups', 'sleep', String(n)] : ['sleep', String(n)];
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: 'ignore', env: { ...process.env, ...env } });
  child.unref();
  return child;
}
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

for (const sudo of [false, true]) {
  test(`a ~/.bashrc that forges the pid line does not redirect the kill${sudo ? ' (--sudo)' : ''}`, async () => {
    const n = uniqueSeconds();
    const target = victim(n + 1);
    try {
      const forge = `printf '\\036LWT-PID %s\\n' ${target.pid} >&2\n`;
      await withHomeFiles({ ...FAKE_SUDO, '.bashrc': FAKE_SUDO['.bashrc'] + forge }, async () => {
        const r = await lwt(['-w', all(), '-t', '2', '--json', ...(sudo ? ['--sudo'] : []), `sleep ${n}`]);
        const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
        lines.pop();
        for (const l of lines) assert.equal(l.outcome.kind, 'timeout', JSON.stringify(l));
      });
      assert.ok(alive(target.pid!), 'the process the forged pid named was killed');
      assert.deepEqual(await waitGone(new RegExp(`sleep ${n}$`), 5000), [], 'the real job was not killed');
    } finally {
      target.kill('SIGKILL');
    }
  });
}

test("the cookie is in no command line, and another user's process carrying it is not killed", async () => {
  const n = uniqueSeconds();
  const host = fleet.addresses('good')[0]!;
  let bystander: ChildProcess | undefined;
  let cookieInArgv: string[] = [];
  try {
    const r = await lwt(['-w', host, '-t', '3', '--json', `sleep ${n}`], {
      onSpawn: () => {
        void (async () => {
          const [job] = await waitFor(new RegExp(`^sleep ${n}$`), 1);
          const environ = await readFile(`/proc/${pidsOf([job!])[0]}/environ`, 'latin1');
          const cookie = /(?:^|\0)LWT_JOB=([^\0]*)/.exec(environ)![1]!;
          cookieInArgv = await processesMatching(new RegExp(cookie));
          bystander = victim(n + 1, 'nobody', { LWT_JOB: cookie });
        })();
      },
    });
    const [line] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(line.outcome.kind, 'timeout', JSON.stringify(line));
    assert.ok(bystander, 'the job never showed up');
    assert.deepEqual(cookieInArgv, []);
    assert.ok(alive(bystander.pid!), "another user's process was killed");
  } finally {
    bystander?.kill('SIGKILL');
  }
});

test('output is kept byte for byte in -o files and the journal; JSON says when it is not UTF-8', async () => {
  const host = fleet.addresses('good')[0]!;
  const data = randomBytes(1000);
  await writeFile(join(await hostHome(host), 'rnd.bin'), data);
  const out = join(home, 'bytes-out');
  const r = await lwt(['-w', host, '-o', out, 'cat rnd.bin; cat rnd.bin >&2']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(await readFile(join(out, `${host}.out`)), data);
  assert.deepEqual(await readFile(join(out, `${host}.err`)), data);
  const id = /run (\S+): lwt log/.exec(r.stderr)![1]!;
  const runDir = join(home, '.lwt', 'runs', id);
  const [line] = (await readFile(join(runDir, 'results.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(await readFile(join(runDir, line.stdoutFile)), data);
  assert.deepEqual(await readFile(join(runDir, line.stderrFile)), data);
  const j = await lwt(['-w', host, '--json', 'cat rnd.bin; echo fine >&2']);
  const [rec] = j.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(rec.stdoutNotUtf8, true);
  assert.equal(rec.stderrNotUtf8, undefined);
  assert.deepEqual(await readFile(rec.stdoutFile), data, 'the JSON line points at the exact bytes');
  assert.equal(rec.stderrFile, undefined);
});

test('history and last follow the order the runs started in, several in one second included', async () => {
  const host = fleet.addresses('good')[0]!;
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const r = await lwt(['-w', host, `echo ${i}`]);
    ids.push(/run (\S+): lwt log/.exec(r.stderr)![1]!);
  }
  const history = await runLwt(['--home', home, 'history', '-n', '6']);
  const listed = history.stdout.trim().split('\n').map((l) => l.split(' ')[0]);
  assert.deepEqual(listed, [...ids].reverse());
  const last = await runLwt(['--home', home, 'log', 'last']);
  assert.match(last.stdout + last.stderr, new RegExp(ids[5]!));
});

test('journal and -o files are 0600 and their folders 0700 under umask 022', async () => {
  const host = fleet.addresses('good')[0]!;
  const fresh = await mkdtemp(join(tmpdir(), 'lwt-home-modes-'));
  const old = process.umask(0o022);
  try {
    await runLwt(['init', fresh]);
    const out = join(fresh, 'o', 'deeper');
    const r = await runLwt(['--home', fresh, 'exec-all', '-F', fleet.sshConfig, '-w', host, '-o', out, 'echo secret; echo err >&2']);
    assert.equal(r.status, 0, r.stderr);
    const id = /run (\S+): lwt log/.exec(r.stderr)![1]!;
    const runs = join(fresh, '.lwt', 'runs');
    const runDir = join(runs, id);
    const mode = async (p: string): Promise<string> => ((await stat(p)).mode & 0o777).toString(8);
    for (const d of [runs, runDir, join(runDir, 'out'), join(fresh, 'o'), out]) assert.equal(await mode(d), '700', d);
    const files = [join(runDir, 'run.json'), join(runDir, 'results.jsonl'), join(out, `${host}.out`), join(out, `${host}.err`)];
    for (const f of (await readdir(join(runDir, 'out'))).map((n) => join(runDir, 'out', n))) files.push(f);
    assert.ok(files.length >= 6);
    for (const f of files) assert.equal(await mode(f), '600', f);
  } finally {
    process.umask(old);
    await rm(fresh, { recursive: true, force: true });
  }
});

test("a home lwt cannot write (another user's) costs a warning line, not the run", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-foreign-'));
  try {
    await chmod(dir, 0o755);
    const foreign = join(dir, 'home');
    await runLwt(['init', foreign]);
    // As a home made by another user with an older lwt: readable by all, writable by its owner only.
    for (const d of ['.lwt', '.lwt/logs', '.lwt/runs']) await chmod(join(foreign, d), 0o755);
    await writeFile(join(dir, 'jobs.txt'), 'echo hi\n', { mode: 0o644 });
    const r = await runProgram('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, LWT_BIN, '--home', foreign, 'run', join(dir, 'jobs.txt')], {
      input: null,
      cwd: dir,
      env: { HOME: dir },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /hi/);
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.match(r.stderr, /no log file in .*\.lwt\/logs.*EACCES/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a PATH without sleep (--env) does not turn the watchdog on its own job', async () => {
  // awk, grep and the rest are there, sleep is not: the watchdog's poll loop must still wait.
  const bin = await mkdtemp(join(tmpdir(), 'lwt-path-'));
  try {
    for (const tool of ['awk', 'grep', 'sed', 'tr', 'sort', 'cat']) await symlink(`/usr/bin/${tool}`, join(bin, tool));
    const r = await lwt(['-w', fleet.addresses('good')[0]!, '--env', `PATH=${bin}`, '/bin/sleep 2.5; echo survived']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /survived/);
  } finally {
    await rm(bin, { recursive: true, force: true });
  }
});

test('a bare `wait` in the command returns: the watchdog is not one of its jobs', async () => {
  // `wait` waits for every job of the shell; a watchdog among them waits for the command: the
  // run would only end at the deadline (before the fix: `timeout`).
  const r = await lwt(['-w', fleet.addresses('good')[0]!, '-t', '20', 'sleep 0.2 & wait; echo done']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /done/);
  assert.deepEqual(await waitGone(/lwt-watch/, 5000), []);
});
