import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPAWNER_KINDS, Spawner, spawnerKinds, type SpawnedJob, type SpawnerKind } from '../../../src/core/spawner.js';
import { fromWaitStatus, type Outcome } from '../../../src/core/outcome.js';

/** The perl kind alone: several tests drive its start-up and frames (python3's share them). */
const PERL = SPAWNER_KINDS.find((k) => k.name === 'perl')!;

interface Ended {
  pid?: number;
  outcome?: Outcome;
  error?: string;
  stdout: Buffer;
  stderr: Buffer;
}

function run(spawner: Spawner, command: string, cookie = 'c0ok1e'): Promise<Ended> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const e: Ended = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
    const done = (): void => resolve({ ...e, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    spawner.run(command, cookie, {
      onStart: (pid) => (e.pid = pid),
      onOutput: (stream, chunk) => (stream === 'stdout' ? out : err).push(chunk),
      onEnd: (status) => {
        e.outcome = fromWaitStatus(status);
        done();
      },
      onError: (message) => {
        e.error = message;
        done();
      },
    });
  });
}

for (const kind of SPAWNER_KINDS) {
  test(`${kind.name}: exit codes and signals apart, output bytes exact across frames, cookie and session`, async (t) => {
    const spawner = await Spawner.start(process.env, [kind]);
    if (!spawner) return t.skip(`no ${kind.name} here`);
    try {
      const [exit3, term, big, cookie, session] = await Promise.all([
        run(spawner, 'echo out; echo err >&2; exit 3'),
        run(spawner, 'kill -TERM $$'),
        // 3 MB of every byte value: many frames, cut across the pipe's chunks.
        run(spawner, "i=0; while [ $i -lt 12 ]; do head -c 262144 /dev/urandom; i=$((i+1)); done | tee /dev/stderr | sha256sum | cut -c1-64 >&2"),
        run(spawner, 'printf %s "$LWT_JOB"', 'abc.123'),
        run(spawner, 'ps -o sid= -o pgid= -p $$'),
      ]);
      assert.deepEqual(exit3.outcome, { kind: 'exited', code: 3 });
      assert.equal(exit3.stdout.toString(), 'out\n');
      assert.equal(exit3.stderr.toString(), 'err\n');
      assert.deepEqual(term.outcome, { kind: 'signaled', signal: 'SIGTERM', coreDumped: false });
      const data = big.stderr.subarray(0, big.stderr.length - 65);
      assert.equal(data.length, 12 * 262144);
      assert.equal(big.stderr.subarray(-65, -1).toString(), createHash('sha256').update(data).digest('hex'));
      assert.equal(cookie.stdout.toString(), 'abc.123');
      const [sid, pgid] = session.stdout.toString().trim().split(/\s+/).map(Number);
      assert.equal(sid, session.pid, 'the job leads its own session');
      assert.equal(pgid, session.pid, 'and its own process group');
    } finally {
      await spawner.close();
    }
  });

  test(`${kind.name}: jobs sent after the spawner is gone fail at once with why`, async (t) => {
    const spawner = await Spawner.start(process.env, [kind]);
    if (!spawner) return t.skip(`no ${kind.name} here`);
    const running = run(spawner, 'sleep 30');
    await new Promise((r) => setTimeout(r, 200));
    (spawner as unknown as { child: { kill(s: string): void } }).child.kill('SIGKILL');
    const lost = await running;
    assert.match(lost.error ?? '', new RegExp(`job spawner \\(${kind.name}\\) ended: SIGKILL`));
    // The orphaned job (runLocalProcess kills its tree; here it is killed by its group).
    if (lost.pid !== undefined) process.kill(-lost.pid, 'SIGKILL');
    const late = await run(spawner, 'true');
    assert.match(late.error ?? '', /job spawner \(.*\) ended/);
  });

  test(`${kind.name}: a job starts with default signals, nothing blocked, and only the environment it was given`, async (t) => {
    // LANG=C without LC_CTYPE: Python adds LC_CTYPE=C.UTF-8 to its own environment (PEP 538).
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', KEEP: 'a b\u00e9' };
    const spawner = await Spawner.start(env, [kind]);
    if (!spawner) return t.skip(`no ${kind.name} here`);
    try {
      const [status, environment] = await Promise.all([
        run(spawner, 'exec grep -E "^Sig(Blk|Ign):" /proc/self/status'),
        run(spawner, 'env', 'c00k1e'),
      ]);
      const masks = Object.fromEntries(status.stdout.toString().trim().split('\n').map((l) => l.split(/:\s+/) as [string, string]));
      // Bits of HUP, INT, QUIT, PIPE, TERM and XFSZ: what the spawners ignore, or Python does.
      const ours = [1, 2, 3, 13, 15, 25].reduce((m, sig) => m | (1n << BigInt(sig - 1)), 0n);
      assert.equal(BigInt(`0x${masks.SigIgn}`) & ours, 0n, `ignored: ${masks.SigIgn}`);
      assert.equal(BigInt(`0x${masks.SigBlk}`), 0n, `blocked: ${masks.SigBlk}`);
      assert.deepEqual(environment.stdout.toString().trim().split('\n').filter((l) => !/^(PWD|SHLVL|_)=/.test(l)).sort(), [
        'KEEP=a b\u00e9',
        'LANG=C',
        'LWT_JOB=c00k1e',
        `PATH=${env.PATH}`,
      ]);
    } finally {
      await spawner.close();
    }
  });
}

test('a spawner that cannot start, or exits before it is ready, gives way to the next kind', async () => {
  const kinds: SpawnerKind[] = [
    { name: 'missing', command: '/nonexistent/python3', args: [] },
    { name: 'too-old', command: '/bin/sh', args: ['-c', 'exit 3'] },
    PERL,
  ];
  const spawner = await Spawner.start(process.env, kinds);
  assert.ok(spawner, 'perl is here (see below): the third kind starts');
  try {
    assert.equal(spawner.name, 'perl');
    assert.deepEqual((await run(spawner, 'exit 5')).outcome, { kind: 'exited', code: 5 });
  } finally {
    await spawner.close();
  }
  assert.equal(await Spawner.start(process.env, kinds.slice(0, 2)), undefined);
});

test('LWT_SPAWNER: the kinds to try, in the order given; none; a name not known is refused', () => {
  const names = (s: string | undefined): string[] | undefined => spawnerKinds(s)?.map((k) => k.name);
  assert.deepEqual(names(undefined), ['python3', 'perl']);
  assert.deepEqual(names(' '), ['python3', 'perl']);
  assert.deepEqual(names('perl'), ['perl']);
  assert.deepEqual(names('perl, python3'), ['perl', 'python3']);
  assert.deepEqual(names('none'), []);
  assert.equal(names('perl,ruby'), undefined);
});

test('perl is on every system lwt supports: where it is, the spawner starts (a test that skipped here would hide a broken spawner)', async () => {
  assert.doesNotThrow(() => execFileSync('perl', ['-e', '1']), 'perl runs here');
  const spawner = await Spawner.start({ ...process.env, LWT_SPAWNER_TEST: 'from start' }, [PERL]);
  assert.ok(spawner, 'started');
  try {
    const env = await run(spawner, 'printf "%s|%s" "$LWT_SPAWNER_TEST" "$LWT_JOB"', 'id.7');
    assert.deepEqual([env.outcome, env.stdout.toString()], [{ kind: 'exited', code: 0 }, 'from start|id.7'], "every job gets start's env and its own cookie");
    // A command of several lines with quotes, binary output, stdin from /dev/null.
    const multi = await run(spawner, "printf 'a\\000\\377'\necho \"it's\"; cat; echo end");
    assert.deepEqual(multi.stdout, Buffer.concat([Buffer.from([0x61, 0, 0xff]), Buffer.from("it's\nend\n")]));
    // A background child that keeps the pipe: the job ends when the pipe closes, not at the shell's exit.
    const late = await run(spawner, '(sleep 0.3; echo late) & echo early');
    assert.equal(late.stdout.toString(), 'early\nlate\n');
  } finally {
    await spawner.close();
  }
});

test('close waits for the running jobs to end, then the spawner exits; later jobs fail naming its status', async () => {
  const spawner = await Spawner.start(process.env, [PERL]);
  assert.ok(spawner);
  let ended = false;
  const job = run(spawner, 'sleep 0.3; echo done').then((e) => ((ended = true), e));
  await spawner.close();
  assert.equal(ended, true, 'the job had ended when close resolved');
  assert.equal((await job).stdout.toString(), 'done\n');
  const late = await run(spawner, 'true');
  assert.equal(late.error, 'the job spawner (perl) ended: status 0');
});

/** A folder holding a fake `perl` (a shell script), for Spawner.start's env PATH. */
function fakePerl(script: string): { env: NodeJS.ProcessEnv; pidFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lwt-fake-perl-'));
  writeFileSync(join(dir, 'perl'), `#!/bin/sh\necho $$ > ${dir}/pid\n${script}\n`, { mode: 0o755 });
  return { env: { PATH: `${dir}:/usr/bin:/bin` }, pidFile: join(dir, 'pid') };
}

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

test('no spawner where perl is missing, says something else than ready, or exits: the one started is killed', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'lwt-no-perl-'));
  assert.equal(await Spawner.start({ PATH: empty }, [PERL]), undefined, 'no perl');

  const wrong = fakePerl('echo hello; exec sleep 30');
  assert.equal(await Spawner.start(wrong.env, [PERL]), undefined, 'not R');
  const pid = Number(readFileSync(wrong.pidFile, 'utf8'));
  for (let i = 0; i < 200 && !gone(pid); i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(gone(pid), true, 'the fake that did not answer R was killed');

  const exits = fakePerl('exit 0');
  const t0 = Date.now();
  assert.equal(await Spawner.start(exits.env, [PERL]), undefined, 'exited');
  // Its end is heard at once, not after the 5 s start timeout (a loose bound).
  assert.ok(Date.now() - t0 < 4000, `${Date.now() - t0} ms`);
});

test('a perl that never answers is given up after the start timeout and killed', async () => {
  const silent = fakePerl('exec sleep 30');
  assert.equal(await Spawner.start(silent.env, [PERL]), undefined);
  const pid = Number(readFileSync(silent.pidFile, 'utf8'));
  for (let i = 0; i < 200 && !gone(pid); i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(gone(pid), true);
});

test('frames: cut at every byte, both streams, start, end, a start failure, and frames of unknown or ended jobs ignored', async () => {
  const spawner = await Spawner.start(process.env, [PERL]);
  assert.ok(spawner);
  try {
    const inner = spawner as unknown as { read(c: Buffer): void; jobs: Map<number, SpawnedJob> };
    const events: string[] = [];
    const job = (id: number): SpawnedJob => ({
      onStart: (pid) => events.push(`${id} start ${pid}`),
      onOutput: (stream, chunk) => events.push(`${id} ${stream} ${JSON.stringify(chunk.toString('latin1'))}`),
      onEnd: (status) => events.push(`${id} end ${status}`),
      onError: (message) => events.push(`${id} error ${message}`),
    });
    inner.jobs.set(901, job(901));
    inner.jobs.set(902, job(902));
    const stream = Buffer.concat([
      Buffer.from('P 901 4242\nO 901 1 5\nab\ncdO 901 2 3\n\nx\nO 777 1 2\nzzP 777 1\n'),
      Buffer.from('F 902 fork: Resource temporarily unavailable\nE 901 256\nO 901 1 1\nqE 901 0\n'),
    ]);
    for (let i = 0; i < stream.length; i++) inner.read(stream.subarray(i, i + 1));
    assert.deepEqual(events, [
      '901 start 4242',
      '901 stdout "ab\\ncd"',
      '901 stderr "\\nx\\n"',
      '902 error cannot start the job: fork: Resource temporarily unavailable',
      '901 end 256',
    ]);
    assert.equal(inner.jobs.size, 0);
    // A frame that ends exactly where its chunk ends is delivered at once.
    inner.jobs.set(903, job(903));
    inner.read(Buffer.from('O 903 1 2\nok'));
    assert.equal(events.at(-1), '903 stdout "ok"');
    inner.jobs.delete(903);
  } finally {
    await spawner.close();
  }
});

test('python3 is on this machine: where /usr/bin/python3 runs, the python3 kind starts (its tests above skip where it does not, which would hide a broken spawner)', async () => {
  assert.doesNotThrow(() => execFileSync('/usr/bin/python3', ['-c', 'import os; os.posix_spawn']), 'python3 with posix_spawn runs here');
  const spawner = await Spawner.start(process.env, SPAWNER_KINDS.filter((k) => k.name === 'python3'));
  assert.ok(spawner, 'started');
  try {
    assert.equal(spawner.name, 'python3');
    assert.deepEqual((await run(spawner, 'exit 7')).outcome, { kind: 'exited', code: 7 });
  } finally {
    await spawner.close();
  }
});
