import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LWT_BIN, processesMatching, runLwt, runProgram, uniqueSeconds, type LwtRun } from './helpers.js';

async function jobFile(lines: string[]): Promise<{ file: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-run-'));
  const file = join(dir, 'jobs');
  await writeFile(file, lines.join('\n') + '\n');
  return { file, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

test('a timeout kills the whole tree: TERM-ignoring child, setsid grandchild, plain child', async () => {
  const n = uniqueSeconds();
  const { file, cleanup } = await jobFile([`sh -c 'trap "" TERM; sleep ${n}' & setsid sleep ${n + 1} & sleep ${n + 2}`]);
  try {
    const r = await runLwt(['run', '-t', '1', '--json', file]);
    const line = JSON.parse(r.stdout.split('\n')[0]!);
    assert.equal(line.outcome.kind, 'timeout');
    assert.ok(line.outcome.killed >= 4, `killed ${line.outcome.killed}`);
    assert.equal(r.status, 3);
    assert.ok(r.wallMs < 30000, `took ${r.wallMs} ms (the job itself would sleep 300 s)`);
    assert.deepEqual(await processesMatching(new RegExp(`sleep (${n}|${n + 1}|${n + 2})$`)), []);
  } finally {
    await cleanup();
  }
});

test('an orphan that left with setsid after its parent exited is still killed (job cookie)', async () => {
  const n = uniqueSeconds();
  // The subshell starts the setsid sleep and exits at once: the sleep is reparented to init,
  // outside the job's group, session and parent chain, and holds no pipe of ours.
  const { file, cleanup } = await jobFile([`(setsid sleep ${n} >/dev/null 2>&1 &); sleep ${n + 1}`]);
  try {
    const r = await runLwt(['run', '-t', '1', file]);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /1 timeout/);
    assert.deepEqual(await processesMatching(new RegExp(`sleep (${n}|${n + 1})$`)), []);
  } finally {
    await cleanup();
  }
});

test('exit code and signal are told apart, in --json and in the summary', async () => {
  const { file, cleanup } = await jobFile(['exit 3', 'kill -SEGV $$', '# comment', '', 'echo out; echo err >&2']);
  try {
    const r = await runLwt(['run', '--json', file]);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const byJob = new Map(lines.filter((l) => 'job' in l).map((l) => [l.job, l]));
    assert.equal(byJob.size, 3);
    assert.deepEqual(byJob.get(1).outcome, { kind: 'exited', code: 3 });
    assert.deepEqual(byJob.get(2).outcome, { kind: 'signaled', signal: 'SIGSEGV', coreDumped: false });
    assert.equal(byJob.get(3).stdout, 'out\n');
    assert.equal(byJob.get(3).stderr, 'err\n');
    assert.equal(byJob.get(1).command, 'exit 3');
    const summary = lines.at(-1).summary;
    assert.deepEqual(summary.counts, { exited: 2, signaled: 1 });
    assert.equal(r.status, 3);

    const human = await runLwt(['run', file]);
    assert.match(human.stdout, /^3: out$/m);
    assert.match(human.stderr, /^3:err: err$/m);
    assert.match(human.stderr, /job 1: exit 3: exit 3/);
    assert.match(human.stderr, /job 2: killed by SIGSEGV: kill -SEGV \$\$/);
  } finally {
    await cleanup();
  }
});

test('exit status 0 only when every job exits 0; 1 when some exit non-zero', async () => {
  assert.equal((await runLwt(['run'], { input: 'true\necho ok\n' })).status, 0);
  assert.equal((await runLwt(['run'], { input: 'true\nexit 1\n' })).status, 1);
});

test('-q: nothing on stderr when every job succeeded; the summary when one failed', async () => {
  const ok = await runLwt(['run', '-q'], { input: 'echo out\ntrue\n' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stderr, '');
  assert.match(ok.stdout, /^1: out$/m, 'output on stdout is not touched');
  const bad = await runLwt(['-q', 'run'], { input: 'true\nexit 4\n' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^2 jobs in .*: 1 ok, 1 exit 4$/m);
  assert.match(bad.stderr, /job 2: exit 4: exit 4/);
});

for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal} kills every running tree, still prints the summary, exits ${status}`, async () => {
    const n = uniqueSeconds();
    const jobs = [`sleep ${n}`, `sh -c 'trap "" INT TERM; sleep ${n}'`, `setsid sleep ${n}`, `sleep ${n}`, `sleep ${n}`];
    const { file, cleanup } = await jobFile(jobs);
    try {
      let runningAtSignal: string[] = [];
      const r = await runLwt(['run', '-p', '3', file], {
        timeoutMs: 30_000,
        onSpawn: (pid) => {
          void (async () => {
            // Wait until the three running jobs' sleeps exist (not only their shells), then interrupt lwt.
            for (let i = 0; i < 200 && (runningAtSignal = await processesMatching(new RegExp(`^sleep ${n}$`))).length < 3; i++) await sleep(50);
            process.kill(pid, signal);
          })();
        },
      });
      // Otherwise "nothing left" below would hold trivially.
      assert.equal(runningAtSignal.length, 3, `running when the signal was sent: ${runningAtSignal.join('; ')}`);
      assert.equal(r.status, status, r.stderr);
      assert.match(r.stderr, /5 jobs in .*: 0 ok, 5 cancelled/);
      assert.match(r.stderr, /cancelled before start/);
      assert.deepEqual(await processesMatching(new RegExp(`sleep ${n}$`)), []);
    } finally {
      await cleanup();
    }
  });
}

test('| head -1: jobs that had ended when the pipe closed keep their own status; only what was still running is cancelled', async () => {
  // Job 1 reaches head at once; jobs 2–8 end together 0.5 s later, and the first of their lines
  // finds the pipe closed while the others are ending: those had exited, with nothing left to kill.
  const n = uniqueSeconds();
  const jobs = ['echo first', ...[2, 3, 4, 5, 6, 7, 8].map((i) => `sleep 0.5; echo ${i}; exit ${i}`), `sleep 0.5; echo last; sleep ${n}`];
  const { file, cleanup } = await jobFile(jobs);
  try {
    const r = await runProgram('/bin/bash', ['-c', `"${process.execPath}" "${LWT_BIN}" run -p 9 ${file} | head -1; echo "status=\${PIPESTATUS[0]}"`], { input: null, timeoutMs: 60_000 });
    assert.match(r.stdout, /^1: first\nstatus=141\n$/, r.stderr);
    assert.doesNotMatch(r.stderr, /killed 0 processes/, 'a job that had ended is reported as cancelled');
    assert.doesNotMatch(r.stderr, /job 1:/, 'job 1 ended long before: it is no failure');
    assert.match(r.stderr, /job 9: cancelled, killed [1-9]/);
    // Each of 2–8 either ended (exit N) or was still running and killed.
    for (let i = 2; i <= 8; i++) assert.match(r.stderr, new RegExp(`job ${i}: (exit ${i}|cancelled, killed [1-9])`));
    assert.deepEqual(await processesMatching(new RegExp(`^sleep ${n}$`)), []);
  } finally {
    await cleanup();
  }
});

test('bad input is one clear line with status 2', async () => {
  const missing = await runLwt(['run', '/nonexistent/jobs']);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, 'lwt: cannot read job file /nonexistent/jobs: no such file\n');
  const badFlag = await runLwt(['run', '--bogus']);
  assert.equal(badFlag.status, 2);
  assert.match(badFlag.stderr.split('\n')[0]!, /^lwt: error: unknown option '--bogus'$/);
  const badNumber = await runLwt(['run', '-p', 'zero']);
  assert.equal(badNumber.status, 2);
  assert.match(badNumber.stderr, /'zero' is not a positive integer/);
  // Options after FILE are not lwt's: refused, never silently applied.
  const after = await runLwt(['run', '/nonexistent/jobs', '-p', '1']);
  assert.equal(after.status, 2);
  assert.match(after.stderr, /too many arguments for 'run'/);
});

/** Parent pid of a live process, from /proc. */
async function parentOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Pids of the running job shells `/bin/sh -c sleep N`, waited for (bounded) until `count` exist. */
async function jobShells(n: number, count: number): Promise<number[]> {
  let found: string[] = [];
  for (let i = 0; i < 200 && found.length < count; i++) {
    found = await processesMatching(new RegExp(`^/bin/sh -c sleep ${n}$`));
    if (found.length < count) await sleep(50);
  }
  return found.map((f) => Number(f.split(':')[0]));
}

for (const spawner of ['python3', 'perl']) {
  test(`jobs are started by one small spawner process (${spawner}), not by lwt; it is gone after the run`, async () => {
    const n = uniqueSeconds();
    let lwtPid = 0;
    const parents = new Set<number>();
    const r = await runLwt(['run', '-p', '3', '-t', '2', '-'], {
      input: `sleep ${n}\nsleep ${n}\nsleep ${n}\n`,
      env: { LWT_SPAWNER: spawner },
      timeoutMs: 30_000,
      onSpawn: (pid) => {
        lwtPid = pid;
        void (async () => {
          for (const shell of await jobShells(n, 3)) parents.add(await parentOf(shell).catch(() => 0));
        })();
      },
    });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /3 jobs in .*: 0 ok, 3 timeout/);
    assert.equal(parents.size, 1, `job shells' parents: ${[...parents].join(', ')}`);
    const [parent] = [...parents];
    assert.notEqual(parent, lwtPid, 'the jobs were forked by lwt itself');
    assert.equal(await readFile(`/proc/${parent}/stat`, 'latin1').then(() => 'alive', () => 'gone'), 'gone');
    assert.deepEqual(await processesMatching(new RegExp(`sleep ${n}$`)), []);
  });

  test(`a spawner (${spawner}) killed mid-run: its jobs are killed and reported as local-error, nothing hangs`, async () => {
    const n = uniqueSeconds();
    const r = await runLwt(['run', '-p', '2', '-'], {
      input: `sleep ${n}\nsleep ${n}\n`,
      env: { LWT_SPAWNER: spawner },
      timeoutMs: 30_000,
      onSpawn: () => {
        void (async () => {
          const [shell] = await jobShells(n, 2);
          if (shell !== undefined) process.kill(await parentOf(shell), 'SIGKILL');
        })();
      },
    });
    assert.equal(r.status, 4, r.stderr); // local-error: lwt could not run the job
    assert.match(r.stderr, /2 jobs in .*: 0 ok, 2 local error/);
    assert.match(r.stderr, new RegExp(`job spawner \\(${spawner}\\) ended: SIGKILL`));
    assert.deepEqual(await processesMatching(new RegExp(`sleep ${n}$`)), []);
  });

  test(`kill -9 of lwt: the spawner (${spawner}) kills the running jobs and exits, nothing is left`, async () => {
    const n = uniqueSeconds();
    let seen: Promise<{ spawnerPid: number; left: string[]; spawnerState: string }> | undefined;
    const r = await runLwt(['run', '-p', '2', '-'], {
      input: `sleep ${n}\nsleep ${n}\nsleep ${n}\n`,
      env: { LWT_SPAWNER: spawner },
      timeoutMs: 30_000,
      onSpawn: (lwtPid) => {
        seen = (async () => {
          const shells = await jobShells(n, 2);
          if (shells.length < 2) return { spawnerPid: 0, left: [], spawnerState: 'jobs never ran' };
          const spawnerPid = await parentOf(shells[0]!);
          process.kill(lwtPid, 'SIGKILL');
          // Bounded waits: the spawner hears its input end and kills the job groups at once.
          let left: string[] = [];
          for (let i = 0; i < 100; i++) {
            left = await processesMatching(new RegExp(`sleep ${n}$`));
            if (left.length === 0) break;
            await sleep(50);
          }
          // Exited: gone, or a zombie until whoever inherited it reaps it.
          let spawnerState = 'alive';
          for (let i = 0; i < 100 && spawnerState === 'alive'; i++) {
            spawnerState = await readFile(`/proc/${spawnerPid}/stat`, 'latin1').then((st) => (st[st.lastIndexOf(')') + 2] === 'Z' ? 'exited' : 'alive'), () => 'exited');
            if (spawnerState === 'alive') await sleep(50);
          }
          // Whatever survived holds lwt's stderr open: kill it, so that this test fails rather than hangs.
          if (spawnerState === 'alive') process.kill(spawnerPid, 'SIGKILL');
          for (const l of left) process.kill(Number(l.split(':')[0]), 'SIGKILL');
          return { spawnerPid, left, spawnerState };
        })();
      },
    });
    assert.equal(r.signal, 'SIGKILL', 'lwt was killed by the test');
    const v = await seen!;
    assert.ok(v.spawnerPid > 0, `the spawner was seen running both jobs (${v.spawnerState})`);
    assert.deepEqual(v.left, [], 'no job outlives lwt');
    assert.equal(v.spawnerState, 'exited', 'the spawner exited');
  });
}

test('without a spawner (no perl on PATH, python3 not asked for), lwt forks the jobs itself with the same outcomes', async () => {
  const r = await runLwt(['run', '--json', '-'], { input: 'echo out\nexit 3\nkill -TERM $$\n', env: { PATH: '/nonexistent', LWT_SPAWNER: 'perl' } });
  const byJob = new Map(r.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => 'job' in l).map((l) => [l.job, l]));
  assert.equal(byJob.get(1).stdout, 'out\n');
  assert.deepEqual(byJob.get(2).outcome, { kind: 'exited', code: 3 });
  assert.deepEqual(byJob.get(3).outcome, { kind: 'signaled', signal: 'SIGTERM', coreDumped: false });
});

/** `lwt run --json` of these jobs: one line per job, by job number. */
async function runJobs(jobs: string[], args: string[] = [], opts: Parameters<typeof runLwt>[1] = {}): Promise<{ r: LwtRun; byJob: Map<number, Record<string, any>> }> {
  const { file, cleanup } = await jobFile(jobs);
  try {
    const r = await runLwt(['run', '--json', ...args, file], { timeoutMs: 60_000, ...opts });
    const lines = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    return { r, byJob: new Map(lines.filter((l) => 'job' in l).map((l) => [l.job, l])) };
  } finally {
    await cleanup();
  }
}

const MiB = 1024 * 1024;
const marker = (omitted: number): string => `\n[lwt: ${omitted} bytes of output omitted]\n`;

test('--output-cap: 1 MiB per stream by default, `1M` is the same, head and tail kept around a marker', async () => {
  const jobs = [`head -c ${MiB} /dev/zero | tr '\\0' a`, `head -c ${MiB + 3} /dev/zero | tr '\\0' b; printf END >&2`];
  for (const args of [[], ['--output-cap', '1M']]) {
    const { r, byJob } = await runJobs(jobs, args);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(byJob.get(1)!.stdout, 'a'.repeat(MiB), `${args.join(' ')}: exactly the cap is kept whole`);
    assert.equal(byJob.get(2)!.stdout, `${'b'.repeat(MiB / 2)}${marker(3)}${'b'.repeat(MiB / 2)}`, args.join(' '));
    assert.equal(byJob.get(2)!.stderr, 'END', 'each stream has its own cap');
  }
  const small = await runJobs(['seq 1 1000'], ['--output-cap', '1k']);
  const text = small.byJob.get(1)!.stdout as string;
  const full = Array.from({ length: 1000 }, (_, i) => `${i + 1}\n`).join('');
  assert.equal(text, `${full.slice(0, 512)}${marker(full.length - 1024)}${full.slice(-512)}`);
  const bad = await runLwt(['run', '--output-cap', '0', '/dev/null']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /'0' must be more than 0/);
});

test('--output-cap never cuts a character in two: valid UTF-8 stays valid text, without a not-UTF-8 flag', async () => {
  // 'é' is 2 bytes: with one ASCII byte first, the head's cut (512 bytes) lands inside one; without it, the tail's does.
  const e3000 = "for i in $(seq 3000); do printf '\\303\\251'; done";
  const { r, byJob } = await runJobs([`printf a; ${e3000}`, `${e3000}; printf z`], ['--output-cap', '1K']);
  assert.equal(r.status, 0, r.stderr);
  const first = byJob.get(1)!;
  const second = byJob.get(2)!;
  for (const l of [first, second]) {
    assert.equal(l.stdout.includes('\uFFFD'), false, l.stdout);
    assert.equal(l.stdoutNotUtf8, undefined, JSON.stringify(Object.keys(l)));
  }
  assert.match(first.stdout, /^aé{255}\n\[lwt: 4977 bytes of output omitted\]\né{256}$/u);
  assert.match(second.stdout, /^é{256}\n\[lwt: 4977 bytes of output omitted\]\né{255}z$/u);
});

test('settings: flag over config, per-verb section over top level, config over default; --config names one; a bad config is exit 2', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-settings-'));
  try {
    const home = join(dir, 'home');
    const elsewhere = join(dir, 'elsewhere.json');
    await mkdir(home);
    // `sleep 2` outlives a 1 s deadline and ends well within 60 s: the outcome says which setting won.
    const outcome = async (args: string[]): Promise<string> => {
      const { r, byJob } = await runJobs(['sleep 2'], args, { env: { LWT_HOME: '' } });
      assert.ok(r.status === 0 || r.status === 3, r.stderr);
      return byJob.get(1)!.outcome.kind;
    };
    assert.equal(await outcome(['--home', home]), 'exited', 'default: no deadline');
    await writeFile(join(home, '.lwtrc.json'), JSON.stringify({ timeout: 60, commands: { run: { timeout: 1 } } }));
    assert.equal(await outcome(['--home', home]), 'timeout', "the config's run section");
    assert.equal(await outcome(['--home', home, '-t', '60']), 'exited', 'the flag wins');
    await writeFile(elsewhere, JSON.stringify({ timeout: 60 }));
    assert.equal(await outcome(['--home', home, '--config', elsewhere]), 'exited', '--config replaces the home config');
    await writeFile(elsewhere, JSON.stringify({ timeout: 1 }));
    assert.equal(await outcome(['--config', elsewhere]), 'timeout', '--config without a home');

    // Two JSON errors: one V8 gives a position for, one it does not (the file is then located again).
    for (const [text, at] of [['{ "timeout": 1,\n  "parallel": 4,\n}\n', '3:1'], ['{ "timeout": 1,\n  "parallel": }\n', '2:15']]) {
      await writeFile(join(home, '.lwtrc.json'), text!);
      const broken = await runLwt(['--home', home, 'run', '/dev/null']);
      assert.equal(broken.status, 2, broken.stderr);
      assert.match(broken.stderr, new RegExp(`^lwt: .*home/\\.lwtrc\\.json:${at}: cannot load config: `));
      assert.equal(broken.stderr.trim().split('\n').length, 1, broken.stderr);
    }
    await writeFile(join(home, '.lwtrc.json'), JSON.stringify({ timeout: -1 }));
    const invalid = await runLwt(['--home', home, 'run', '/dev/null']);
    assert.equal(invalid.status, 2, invalid.stderr);
    assert.match(invalid.stderr, /\.lwtrc\.json: timeout: must be a number ≥ 0, got -1/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
