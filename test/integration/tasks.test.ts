/**
 * Long tasks against a real fleet whose hosts each have their own filesystem and home
 * (privateRoot + privateHome): placement, detached start, check, fetch, cleanup, timeouts,
 * lost hosts, crashes of lwt itself at the worst moments, the lock, and the ancestor's format.
 * Each task appends its id to ~/ran on its host: counting those lines proves "exactly once".
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { processesMatching, runLwt, uniqueSeconds, type LwtRun } from './helpers.js';
import { onHost } from './transfer-helpers.js';

let fleet: Fleet;
let home: string;
let hosts: string[];

before(async () => {
  fleet = await startFleet({ good: 10, port: 2235, firstAddress: '127.0.13.1', privateRoot: '/srv/lwt-host', privateHome: true });
  hosts = fleet.addresses('good');
  home = await mkdtemp(join(tmpdir(), 'lwt-tasks-'));
  await runLwt(['init', home]);
  await writeFile(join(home, 'hosts', 'ok'), hosts.join('\n') + '\n');
});

after(async () => {
  // Tasks are detached on purpose: whatever a failed test left running is killed here.
  await killTaskProcesses();
  await fleet?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

const lwt = (args: string[], opts: Parameters<typeof runLwt>[1] = {}): Promise<LwtRun> => runLwt(['--home', home, ...args], opts);
const cycle = (extra: string[] = []): Promise<LwtRun> => lwt(['task-update', '-F', fleet.sshConfig, '--connect-timeout', '3', ...extra]);
const list = async (): Promise<Array<Record<string, any>>> =>
  (await lwt(['task', 'list', '--json'])).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

async function define(name: string, files: Record<string, string>): Promise<void> {
  const dir = join(home, 'tasks', name);
  await mkdir(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    await mkdir(join(dir, f, '..'), { recursive: true });
    await writeFile(join(dir, f), text);
  }
}

/** Cycles until every instance of `name` has ended (bounded: a hang fails the test, it does not stall it). */
async function untilEnded(name: string, extra: string[] = [], maxCycles = 25): Promise<Array<Record<string, any>>> {
  for (let i = 0; i < maxCycles; i++) {
    const r = await cycle(extra);
    assert.ok(r.status === 0 || r.status === 2, `cycle exited ${r.status}: ${r.stderr}`);
    const mine = (await list()).filter((t) => t.name === name);
    if (mine.length > 0 && mine.every((t) => ['done', 'failed', 'stopped'].includes(t.state) && !t.next)) return mine;
    await sleep(300);
  }
  throw new Error(`tasks of ${name} did not end: ${JSON.stringify((await list()).filter((t) => t.name === name).map((t) => [t.id, t.state, t.reason]))}`);
}

/** Kill every process that carries a task id of this test's home in its environment. */
async function killTaskProcesses(): Promise<void> {
  const ids = new Set((await list().catch(() => [])).map((t) => t.id as string));
  const { readdir } = await import('node:fs/promises');
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const env = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
    const m = /(?:^|\0)LWT_TASK_ID=([^\0]+)/.exec(env);
    if (m && ids.has(m[1]!)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

/** Ids appended to ~/ran on every host, counted. */
async function ranCounts(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const h of hosts) {
    const text = await onHost(fleet, h, 'cat ran 2>/dev/null; exit 0');
    for (const id of text.split('\n').filter(Boolean)) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

test('30 instances over 10 hosts: inputs up, outputs back identical, every task run once, remote folders removed', async () => {
  await define('copy', {
    'task.yaml': 'command: "cat data/in.txt > result.txt; echo \\"$LWT_TASK_ID $1\\" >> result.txt; echo $LWT_TASK_ID >> ~/ran; echo out-$LWT_TASK_NAME; echo err >&2"\ninputs: [data]\noutputs: [result.txt]\n',
    'data/in.txt': 'input payload\n',
  });
  const add = await lwt(['task', 'add', 'copy', '--count', '30', '--', 'arg one']);
  assert.equal(add.status, 0, add.stderr);
  const ids = add.stdout.trim().split('\n');
  assert.equal(ids.length, 30);
  assert.equal(new Set(ids).size, 30);
  assert.deepEqual([...ids].sort(), ids, 'ids sort in creation order');
  const ended = await untilEnded('copy', ['--slots', '3']);
  assert.deepEqual(ended.map((t) => t.state), ids.map(() => 'done'), JSON.stringify(ended.map((t) => [t.id, t.state, t.outcome])));
  assert.equal(new Set(ended.map((t) => t.host)).size, 10, 'spread over all 10 hosts');
  for (const id of ids) {
    const dir = join(home, 'tasks', 'copy', 'results', id);
    assert.equal(await readFile(join(dir, 'result.txt'), 'utf8'), `input payload\n${id} arg one\n`);
    assert.equal(await readFile(join(dir, 'stdout'), 'utf8'), 'out-copy\n');
    assert.equal(await readFile(join(dir, 'stderr'), 'utf8'), 'err\n');
  }
  const counts = await ranCounts();
  for (const id of ids) assert.equal(counts.get(id), 1, `${id} ran once`);
  for (const h of hosts) assert.equal((await onHost(fleet, h, 'ls -A .lwt-tasks | grep -v "^.inputs$"; exit 0')).trim(), '', `${h}: task folders removed`);
  const show = await lwt(['task', 'show', ids[0]!]);
  assert.match(show.stdout, /new → placed/);
  assert.match(show.stdout, /placed → running/);
  assert.match(show.stdout, /running → fetching/);
  assert.match(show.stdout, /fetching → done/);
});

test('a task past its timeout: its whole tree is killed on the host, failed (timeout), and with retries: 1 it runs once more', async () => {
  const n = uniqueSeconds();
  await define('slow', {
    'task.yaml': `command: "echo $LWT_TASK_ID >> ~/ran; sh -c 'trap \\"\\" TERM; sleep ${n}' & setsid sleep ${n + 1} & sleep ${n + 2}; wait"\ntimeout: 2s\nretries: 1\n`,
  });
  const add = await lwt(['task', 'add', 'slow']);
  const id = add.stdout.trim();
  await cycle();
  let running: string[] = [];
  for (let i = 0; i < 20 && running.length < 3; i++) {
    running = await processesMatching(new RegExp(`^sleep (${n}|${n + 1}|${n + 2})$`));
    if (running.length < 3) await sleep(200);
  }
  assert.equal(running.length, 3, `the task's three sleeps run: ${running.join('; ')}`);
  const ended = await untilEnded('slow', [], 30);
  assert.equal(ended[0]!.state, 'failed', JSON.stringify(ended[0]));
  assert.equal(ended[0]!.outcome.kind, 'timeout');
  assert.equal(ended[0]!.attempts, 2, 'retried once');
  assert.deepEqual(await processesMatching(new RegExp(`^sleep (${n}|${n + 1}|${n + 2})$`)), [], 'nothing of the task left on any host');
  assert.equal((await ranCounts()).get(id), 2, 'ran twice: the first attempt and one retry');
});

test('two cycles at once: the second exits 75 naming the holder; a stale lock of a dead pid is taken over', async () => {
  const lockFile = join(home, '.lwt', 'task-update.lock');
  await writeFile(lockFile, JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), since: new Date().toISOString(), verb: 'task-update' }) + '\n');
  try {
    const second = await cycle();
    assert.equal(second.status, 75, second.stderr);
    assert.match(second.stderr, new RegExp(`task-update holds .* \\(pid ${process.pid} on `));
  } finally {
    await rm(lockFile, { force: true });
  }
  // A live holder for longer than --stale-after-minutes: reported loudly, never waited for.
  await writeFile(lockFile, JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), since: new Date(Date.now() - 3 * 3_600_000).toISOString(), verb: 'task-update' }) + '\n');
  try {
    const stuck = await cycle();
    assert.equal(stuck.status, 75, stuck.stderr);
    assert.match(stuck.stderr, new RegExp(`STUCK: task-update pid ${process.pid} .* has held .* for 180m\\d+s \\(over 60m0s\\)`));
  } finally {
    await rm(lockFile, { force: true });
  }
  await writeFile(lockFile, JSON.stringify({ pid: 999_999_999, host: (await import('node:os')).hostname(), since: new Date().toISOString(), verb: 'task-update' }) + '\n');
  const third = await cycle();
  assert.equal(third.status, 0, third.stderr);
});

test("the ancestor's format: a folder with desc (exec, d_fetch) and its inputs beside it", async () => {
  await define('legacy', {
    desc: 'exec : ./run.sh\nd_fetch : output\n',
    'run.sh': '#!/bin/sh\necho legacy-ran > output\necho $LWT_TASK_ID >> ~/ran\n',
  });
  const { chmod } = await import('node:fs/promises');
  await chmod(join(home, 'tasks', 'legacy', 'run.sh'), 0o755);
  const id = (await lwt(['task', 'add', 'legacy'])).stdout.trim();
  const ended = await untilEnded('legacy');
  assert.equal(ended[0]!.state, 'done', JSON.stringify(ended[0]));
  assert.equal(await readFile(join(home, 'tasks', 'legacy', 'results', id, 'output'), 'utf8'), 'legacy-ran\n');
});

test('bad definitions are named with file and key; other tasks still run', async () => {
  await define('broken', { 'task.yaml': 'command: "true"\ntimeout: soon\n' });
  const add = await lwt(['task', 'add', 'broken']);
  assert.equal(add.status, 2);
  assert.match(add.stderr, /broken\/task\.yaml: timeout: 'soon' is not a duration/);
});

test('lwt SIGKILLed after upload, after start, during fetch: the next cycles finish every task, each run exactly once', async () => {
  await define('once', { 'task.yaml': 'command: "echo $LWT_TASK_ID >> ~/ran; sleep 1; echo fine > result.txt"\ninputs: [in]\noutputs: [result.txt]\n', in: 'x\n' });
  const all: string[] = [];
  for (const point of ['after-upload', 'after-start', 'during-fetch']) {
    const ids = (await lwt(['task', 'add', 'once', '--count', '3'])).stdout.trim().split('\n');
    all.push(...ids);
    if (point === 'during-fetch') {
      await cycle(); // started
      await sleep(1500); // ended on the hosts
    }
    const r = await lwt(['task-update', '-F', fleet.sshConfig, '--connect-timeout', '3'], { env: { LWT_FAULT: point } });
    assert.equal(r.signal, 'SIGKILL', `${point}: lwt was killed there (status ${r.status}, ${r.stderr})`);
    const ended = await untilEnded('once');
    for (const id of ids) {
      const t = ended.find((x) => x.id === id)!;
      assert.equal(t.state, 'done', `${point}: ${JSON.stringify(t)}`);
      assert.equal(await readFile(join(home, 'tasks', 'once', 'results', id, 'result.txt'), 'utf8'), 'fine\n');
    }
  }
  const counts = await ranCounts();
  for (const id of all) assert.equal(counts.get(id), 1, `${id} ran exactly once`);
});

test('a host that stops answering: its task is placed elsewhere and finishes; when the host is back, the old copy is stopped', async () => {
  const n = uniqueSeconds();
  await define('mover', { 'task.yaml': `command: "echo $LWT_TASK_ID >> ~/ran; if [ -e ~/slow-here ]; then sleep ${n}; fi; echo moved > result.txt"\noutputs: [result.txt]\n` });
  for (const h of hosts) await onHost(fleet, h, 'touch slow-here');
  const id = (await lwt(['task', 'add', 'mover'])).stdout.trim();
  await cycle();
  const first = (await list()).find((t) => t.id === id)!;
  assert.equal(first.state, 'running', JSON.stringify(first));
  const a = first.host as string;
  for (const h of hosts) if (h !== a) await onHost(fleet, h, 'rm -f slow-here');
  const listener = await fleet.listenerPid(a);
  process.kill(listener, 'SIGSTOP');
  let resumed = false;
  try {
    const lostCycle = await cycle(['--lost-after', '1', '--connect-timeout', '1']);
    assert.equal(lostCycle.status, 0, lostCycle.stderr);
    assert.match(lostCycle.stderr, /1 reassigned/);
    const ended = await untilEnded('mover', ['--connect-timeout', '1']);
    assert.equal(ended[0]!.state, 'done', JSON.stringify(ended[0]));
    assert.notEqual(ended[0]!.host, a, 'finished on another host');
    assert.equal(await readFile(join(home, 'tasks', 'mover', 'results', id, 'result.txt'), 'utf8'), 'moved\n');
    assert.equal((await processesMatching(new RegExp(`^sleep ${n}$`))).length, 1, 'the old copy still sleeps on the stopped host');
    process.kill(listener, 'SIGCONT');
    resumed = true;
    const back = await cycle();
    assert.match(back.stderr, new RegExp(`stopped an old copy of ${id.replace(/\./g, '\\.')} on ${a.replace(/\./g, '\\.')}`));
    assert.deepEqual(await processesMatching(new RegExp(`^sleep ${n}$`)), [], 'nothing of the task runs on the old host');
    assert.equal((await onHost(fleet, a, `ls .lwt-tasks | grep -c ${id} ; exit 0`)).trim(), '0', 'its folder is gone there');
  } finally {
    if (!resumed) process.kill(listener, 'SIGCONT');
  }
});

test('task log --follow streams a running task from its first line, to two readers at once', async () => {
  await define('talker', { 'task.yaml': 'command: "for i in 1 2 3 4 5 6; do echo line$i; sleep 0.4; done"\n' });
  const id = (await lwt(['task', 'add', 'talker'])).stdout.trim();
  await cycle();
  await sleep(900);
  const [one, two] = await Promise.all([
    lwt(['task', 'log', '--follow', '-F', fleet.sshConfig, id]),
    lwt(['task', 'log', '--follow', '-F', fleet.sshConfig, id]),
  ]);
  const want = 'line1\nline2\nline3\nline4\nline5\nline6\n';
  assert.equal(one.stdout, want, one.stderr);
  assert.equal(two.stdout, want, two.stderr);
  await untilEnded('talker');
  const after = await lwt(['task', 'log', id]);
  assert.equal(after.stdout, want, 'after the end: the fetched copy');
});

test('respawn on-failure: a service that crashes twice is restarted twice with backoff, then stays up until task stop', async () => {
  const n = uniqueSeconds();
  const pin = hosts[9]!;
  await define('svc', {
    'task.yaml': `command: "c=$(cat ~/svc-count 2>/dev/null || echo 0); c=$((c+1)); echo $c > ~/svc-count; if [ $c -ge 3 ]; then sleep ${n}; fi; exit 1"\nrespawn: on-failure\nhosts: [${pin}]\n`,
  });
  const id = (await lwt(['task', 'add', 'svc'])).stdout.trim();
  let t: Record<string, any> | undefined;
  let respawned = 0;
  const started = Date.now();
  for (let i = 0; i < 60; i++) {
    const r = await cycle();
    respawned += Number(/(\d+) respawned/.exec(r.stderr)?.[1] ?? 0);
    t = (await list()).find((x) => x.id === id);
    if (t?.state === 'running' && t.attempts === 3) break;
    await sleep(500);
  }
  assert.equal(t?.state, 'running', JSON.stringify(t));
  assert.equal(t?.attempts, 3, 'started three times');
  assert.equal(respawned, 2, 'two respawns reported by the cycles');
  assert.ok(Date.now() - started >= 15_000, 'backoff: 5 s, then 10 s');
  assert.equal((await processesMatching(new RegExp(`^sleep ${n}$`))).length, 1);
  const show = await lwt(['task', 'show', id]);
  assert.match(show.stdout, /respawn in 5s \(1 in the last hour\)/);
  assert.match(show.stdout, /respawn in 10s \(2 in the last hour\)/);
  const stop = await lwt(['task', 'stop', '-F', fleet.sshConfig, id]);
  assert.equal(stop.status, 0, stop.stderr);
  assert.match(stop.stdout, new RegExp(`${id.replace(/\./g, '\\.')}: stopped on ${pin.replace(/\./g, '\\.')}`));
  assert.deepEqual(await processesMatching(new RegExp(`^sleep ${n}$`)), [], 'stopped: nothing left');
  assert.equal((await list()).find((x) => x.id === id)?.state, 'stopped');
});

test('limits.memory: 64M on a task that allocates 200 MB: killed by the limit (the host cgroup v1 memory controller) and reported as such', async () => {
  await define('hog', { 'task.yaml': 'command: "echo $LWT_TASK_ID >> ~/ran; perl -e \'$x = \\"x\\" x (200 * 1024 * 1024); print length($x), qq(\\\\n)\'"\nlimits: { memory: 64M, pids: 50 }\n' });
  const id = (await lwt(['task', 'add', 'hog'])).stdout.trim();
  const ended = await untilEnded('hog');
  const t = ended.find((x) => x.id === id)!;
  assert.equal(t.state, 'failed', JSON.stringify(t));
  assert.deepEqual(t.outcome, { kind: 'signaled', signal: 'SIGKILL', coreDumped: false });
  assert.match(t.reason, /killed by its memory limit \(cgroup-v1\)/);
  const show = await lwt(['task', 'show', id]);
  assert.match(show.stdout, /limits by cgroup-v1/);
  const { readdir } = await import('node:fs/promises');
  assert.deepEqual((await readdir('/sys/fs/cgroup/memory')).filter((d) => d === `lwt-${id}`), [], 'its cgroup is removed with the folder');
  const roomy = (await lwt(['task', 'add', 'hog'])).stdout.trim();
  await define('hog', { 'task.yaml': 'command: "perl -e \'$x = \\"x\\" x (20 * 1024 * 1024); print length($x), qq(\\\\n)\'"\nlimits: { memory: 256M }\n' });
  const ok = (await untilEnded('hog')).find((x) => x.id === roomy)!;
  assert.equal(ok.state, 'done', 'within the limit it runs to the end');
  assert.equal(await readFile(join(home, 'tasks', 'hog', 'results', roomy, 'stdout'), 'utf8'), `${20 * 1024 * 1024}\n`);
});

test('--monitor: one monitor cycle over the candidates first; tasks go only to hosts it found working; the cycle is journaled', async () => {
  const { rm: remove } = await import('node:fs/promises');
  await remove(join(home, 'hosts', 'ok'), { force: true });
  await writeFile(join(home, 'hosts', 'candidates'), `${hosts.slice(0, 3).join('\n')}\n127.0.13.250\n`);
  await define('probed', { 'task.yaml': 'command: "echo $LWT_TASK_ID >> ~/ran"\n' });
  const ids = (await lwt(['task', 'add', 'probed', '--count', '6'])).stdout.trim().split('\n');
  const r = await cycle(['--monitor', '--connect-timeout', '1']);
  assert.equal(r.status, 0, r.stderr);
  const ok = (await readFile(join(home, 'hosts', 'ok'), 'utf8')).split('\n').filter((l) => l && !l.startsWith('#'));
  assert.deepEqual(ok, hosts.slice(0, 3), 'the refused candidate is not listed');
  const placed = (await list()).filter((t) => ids.includes(t.id));
  assert.ok(placed.every((t) => hosts.slice(0, 3).includes(t.host)), JSON.stringify(placed.map((t) => t.host)));
  const history = await lwt(['history']);
  assert.match(history.stdout, /task-update/);
  await writeFile(join(home, 'hosts', 'ok'), hosts.join('\n') + '\n');
  await untilEnded('probed');
});

test('respawn always: a service that exits is started again (with backoff) until task stop', async () => {
  const pin = hosts[8]!;
  await define('keeper', { 'task.yaml': `command: "echo $LWT_TASK_ID >> ~/ran; sleep 1"\nrespawn: always\nhosts: [${pin}]\n` });
  const id = (await lwt(['task', 'add', 'keeper'])).stdout.trim();
  let t: Record<string, any> | undefined;
  for (let i = 0; i < 60; i++) {
    await cycle();
    t = (await list()).find((x) => x.id === id);
    if ((t?.attempts ?? 0) >= 3) break;
    await sleep(500);
  }
  assert.ok((t?.attempts ?? 0) >= 3, `started again after its own exits: ${JSON.stringify(t)}`);
  // Stopped while it waits for its next respawn (it lives 1 s, the backoff is longer).
  for (let i = 0; i < 20 && (await list()).find((x) => x.id === id)?.state !== 'done'; i++) {
    await cycle();
    await sleep(300);
  }
  t = (await list()).find((x) => x.id === id);
  assert.equal(t?.state, 'done', JSON.stringify(t));
  const stop = await lwt(['task', 'stop', '-F', fleet.sshConfig, id]);
  assert.equal(stop.status, 0, stop.stderr);
  await sleep(6000);
  await cycle();
  await cycle();
  const after = (await list()).find((x) => x.id === id)!;
  assert.equal(after.state, 'stopped', JSON.stringify(after));
  assert.equal(after.attempts, t!.attempts, 'no start after the stop');
});
