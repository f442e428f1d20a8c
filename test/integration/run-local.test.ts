import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processesMatching, runLwt, uniqueSeconds } from './helpers.js';

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

test('SIGINT kills every running tree, still prints the summary, exits 130', async () => {
  const n = uniqueSeconds();
  const jobs = [`sleep ${n}`, `sh -c 'trap "" INT TERM; sleep ${n}'`, `setsid sleep ${n}`, `sleep ${n}`, `sleep ${n}`];
  const { file, cleanup } = await jobFile(jobs);
  try {
    const r = await runLwt(['run', '-p', '3', file], {
      onSpawn: (pid) => {
        void (async () => {
          // Wait until the three running jobs exist, then interrupt lwt.
          for (let i = 0; i < 100 && (await processesMatching(new RegExp(`sleep ${n}$`))).length < 3; i++) await sleep(50);
          process.kill(pid, 'SIGINT');
        })();
      },
    });
    assert.equal(r.status, 130);
    assert.match(r.stderr, /5 jobs in .*: 0 ok, 5 cancelled/);
    assert.match(r.stderr, /cancelled before start/);
    assert.deepEqual(await processesMatching(new RegExp(`sleep ${n}$`)), []);
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

test('jobs are forked by one small spawner process, not by lwt; it is gone after the run', async () => {
  const n = uniqueSeconds();
  let lwtPid = 0;
  const parents = new Set<number>();
  const r = await runLwt(['run', '-p', '3', '-t', '2', '-'], {
    input: `sleep ${n}\nsleep ${n}\nsleep ${n}\n`,
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
  const [spawner] = [...parents];
  assert.notEqual(spawner, lwtPid, 'the jobs were forked by lwt itself');
  assert.equal(await readFile(`/proc/${spawner}/stat`, 'latin1').then(() => 'alive', () => 'gone'), 'gone');
  assert.deepEqual(await processesMatching(new RegExp(`sleep ${n}$`)), []);
});

test('a spawner killed mid-run: its jobs are killed and reported as local-error, nothing hangs', async () => {
  const n = uniqueSeconds();
  const r = await runLwt(['run', '-p', '2', '-'], {
    input: `sleep ${n}\nsleep ${n}\n`,
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
  assert.match(r.stderr, /job spawner \(perl\) ended: SIGKILL/);
  assert.deepEqual(await processesMatching(new RegExp(`sleep ${n}$`)), []);
});

test('without perl, lwt forks the jobs itself with the same outcomes', async () => {
  const r = await runLwt(['run', '--json', '-'], { input: 'echo out\nexit 3\nkill -TERM $$\n', env: { PATH: '/nonexistent' } });
  const byJob = new Map(r.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => 'job' in l).map((l) => [l.job, l]));
  assert.equal(byJob.get(1).stdout, 'out\n');
  assert.deepEqual(byJob.get(2).outcome, { kind: 'exited', code: 3 });
  assert.deepEqual(byJob.get(3).outcome, { kind: 'signaled', signal: 'SIGTERM', coreDumped: false });
});
