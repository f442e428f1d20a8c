/**
 * lwt dispatch over a real OpenSSH fleet: the simulator's crashes over 10 hosts × 4 slots and
 * local slots (every line reported exactly once), a host lost mid-stream (its lines finish
 * elsewhere, it rejoins), Ctrl-C killing remote trees, lines as data on the hosts, and one
 * connection per host whatever the number of jobs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { processesMatching, runLwt, uniqueSeconds, type LwtRun } from './helpers.js';

let fleet: Fleet;
let dir: string;

before(async () => {
  fleet = await startFleet({ good: 10, port: 2238, firstAddress: '127.0.16.1' });
  dir = await mkdtemp(join(tmpdir(), 'lwt-dispatch-'));
});

after(async () => {
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const seq = (n: number): string => Array.from({ length: n }, (_, i) => `${i + 1}\n`).join('');
const numbers = (text: string): number[] => text.split('\n').filter(Boolean).map((l) => Number(l.split('\t')[0]));
const hosts = (n = 10): string => fleet.addresses('good').slice(0, n).join(',');
const lwt = (args: string[], opts: Parameters<typeof runLwt>[1] = {}): Promise<LwtRun> =>
  runLwt(['--home', dir, 'dispatch', '-F', fleet.sshConfig, ...args], { timeoutMs: 300_000, ...opts });

function exactlyOnce(r: LwtRun, failedText: string, n: number): void {
  const done = numbers(r.stdout);
  const failed = numbers(failedText);
  const all = [...done, ...failed].sort((a, b) => a - b);
  assert.equal(new Set(done).size, done.length, 'no line twice on stdout');
  assert.deepEqual(all, Array.from({ length: n }, (_, i) => i + 1), 'every line once, on stdout or in the failure report');
}

test('--simulate over 10 hosts × 4 slots and 4 local slots: crashes before and after reporting, every line exactly once', { timeout: 600_000 }, async () => {
  const failed = join(dir, 'sim-failed');
  const n = 10_000;
  const r = await lwt(['-w', hosts(), '-j', '4', '--local', '4', '--simulate', '--failed', failed], { input: seq(n) });
  const failedText = await readFile(failed, 'utf8').catch(() => '');
  exactlyOnce(r, failedText, n);
  const m = /(\d+) done, (\d+) failed; (\d+) requeued, (\d+) worker restarts/.exec(r.stderr);
  assert.ok(m, r.stderr);
  assert.equal(Number(m[1]) + Number(m[2]), n);
  // With 16 % crash chances both ways, thousands of restarts and requeues happen.
  assert.ok(Number(m[3]) > n * 0.05, `requeued ${m[3]}`);
  assert.ok(Number(m[4]) > n * 0.1, `restarts ${m[4]}`);
  // A poison line is one that crashed workers 5 times: rare, and reported as such.
  for (const line of failedText.split('\n').filter(Boolean)) assert.match(line, /^\d+\t[\d.:]+\tfailed: poison: workers crashed on this line 5 times \(last: /);
  assert.equal(r.status, failedText ? 1 : 0);
});

test('a host lost mid-stream: its lines finish elsewhere, none lost or twice, it rejoins when it answers again', { timeout: 300_000 }, async () => {
  const victim = fleet.addresses('good')[1]!;
  const joblog = join(dir, 'lost.log');
  const listener = await fleet.listenerPid(victim);
  let stoppedAt = 0;
  let resumedAt = 0;
  const r = await lwt(['-w', hosts(4), '-j', '2', '--connect-timeout', '1', '--joblog', joblog, 'sleep 0.1; echo {}'], {
    input: seq(600),
    onSpawn: () =>
      void (async () => {
        const victimLines = async (): Promise<number> => (await readFile(joblog, 'utf8').catch(() => '')).split('\n').filter((l) => l.split('\t')[1] === victim).length;
        for (let i = 0; i < 400 && (await victimLines()) < 10; i++) await sleep(50);
        // The host stops answering: no new connections, and the open one dies.
        process.kill(listener, 'SIGSTOP');
        stoppedAt = Date.now() / 1000;
        await fleet.signalSessions(victim, 'SIGKILL');
        await sleep(2500);
        process.kill(listener, 'SIGCONT');
        resumedAt = Date.now() / 1000;
      })(),
  });
  process.kill(listener, 'SIGCONT');
  assert.ok(stoppedAt > 0 && resumedAt > 0, 'the host was stopped and resumed during the run');
  exactlyOnce(r, '', 600);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`${victim.replace(/\./g, '\\.')} down: its lines go to other slots`));
  assert.match(r.stderr, new RegExp(`${victim.replace(/\./g, '\\.')} up: taking work`));
  const m = /(\d+) requeued/.exec(r.stderr);
  assert.ok(Number(m?.[1]) >= 1, r.stderr);
  const entries = (await readFile(joblog, 'utf8')).trim().split('\n').slice(1).map((l) => l.split('\t'));
  assert.ok(entries.some((e) => e[1] === victim && Number(e[2]) > resumedAt), 'the host took work again after it came back');
  assert.ok(!entries.some((e) => e[1] === victim && Number(e[2]) > stoppedAt + 0.5 && Number(e[2]) < resumedAt), 'no work started there while it was down');
});

test('Ctrl-C kills the remote trees (they were running first) and exits 130', async () => {
  const n = uniqueSeconds();
  let seen = 0;
  const r = await lwt(['-w', hosts(5), '-j', '2', `sleep ${n}; echo {}`], {
    input: seq(30),
    onSpawn: (pid) =>
      void (async () => {
        for (let i = 0; i < 200 && (seen = (await processesMatching(new RegExp(`sleep ${n}$`))).length) < 10; i++) await sleep(50);
        process.kill(pid, 'SIGINT');
      })(),
  });
  assert.equal(seen, 10, 'ten remote jobs were running before the interrupt');
  assert.equal(r.status, 130, r.stderr);
  assert.equal(r.stdout, '');
  for (let i = 0; i < 60 && (await processesMatching(new RegExp(`sleep ${n}$`))).length > 0; i++) await sleep(50);
  assert.deepEqual(await processesMatching(new RegExp(`sleep ${n}$`)), []);
});

test('one connection per host for many jobs; lines arrive on the host as data', async () => {
  const marker = join(dir, 'pwned');
  const input = `${seq(200)}x'; touch ${marker}; '\n`;
  const r = await lwt(['-w', hosts(3), '-j', '3', '--tag', '-O', 'LogLevel=ERROR', 'printf "%s|%s\\n" "$SSH_CONNECTION" {}'], { input });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 201);
  const hostile = lines.find((l) => l.startsWith("x'"));
  assert.ok(hostile?.endsWith(`|x'; touch ${marker}; '`), hostile);
  await assert.rejects(readFile(marker), /ENOENT/);
  // The client's source port in SSH_CONNECTION names the connection: one per host.
  const connections = new Set(lines.map((l) => l.split('\t')[1]!.split('|')[0]!.split(' ').slice(0, 2).join(' ')));
  assert.equal(connections.size, 3, [...connections].join(', '));
});

test('a slot runs its jobs in one command runner, not a channel each; -t kills only the late job, the other slots go on', async () => {
  const n = uniqueSeconds();
  const failed = join(dir, 'runner-failed');
  // 99 jobs of 0.1 s on the 3 other slots outlast the late job's 1 s deadline: its slot takes work again.
  const r = await lwt(['-w', hosts(2), '-j', '2', '-t', '1', '--tag', '--failed', failed, `[ {} = 7 ] && exec sleep ${n}; sleep 0.1; read c < /proc/$PPID/comm; echo "$PPID $c"`], { input: seq(100) });
  assert.equal(r.status, 3, r.stderr);
  assert.match(await readFile(failed, 'utf8'), /^7\t127\.0\.16\.[12]\ttimed out/);
  const parents = r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[1]!);
  assert.equal(parents.length, 99);
  for (const p of parents) assert.match(p, /^\d+ perl$/, 'every job is a child of its slot runner');
  // 2 hosts × 2 slots, plus one fresh runner for the slot whose job was killed.
  assert.equal(new Set(parents).size, 5, [...new Set(parents)].join(', '));
  assert.match(r.stderr, / 0 requeued/, 'the kill did not cost the other slots their connection');
  assert.deepEqual(await processesMatching(new RegExp(`sleep ${n}$`)), []);
});

test('a host without perl gets one channel per job', async () => {
  // The wrapper exports --env before the runner starts: with this PATH the shell finds no perl.
  const r = await lwt(['-w', hosts(1), '-j', '2', '--env', 'PATH=/nonexistent', '--tag', 'read c < /proc/$PPID/comm; echo "{} $c"'], { input: seq(20) });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 20);
  for (const l of lines) assert.match(l, /^(\d+)\t\1 sshd/, 'run by the login shell of a channel of its own');
});
