/**
 * lwt as a library, against a real sshd fleet: the typed API returns the same outcomes as
 * --json, events arrive in order, a connection serves several channels, and the program in
 * examples/ compiles under strict against the package's own declarations and runs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { Connections, createSshContext, execAll, execRemote, monitorCycle, parseHostSpec, runHosts, type RunEvent } from '../../src/index.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
let fleet: Fleet;
let good: string[];

before(async () => {
  fleet = await startFleet({ good: 3, refused: 1, port: 2230, firstAddress: '127.0.8.1' });
  good = fleet.addresses('good');
});

after(async () => {
  await fleet?.stop();
});

test('execAll: one result per host in order, outcomes as --json has them, exit status as the CLI', async () => {
  const events: RunEvent['type'][] = [];
  const refused = fleet.addresses('refused')[0]!;
  const summary = await execAll({
    hosts: [...good, refused],
    command: 'echo out; echo err >&2; exit 3',
    sshConfigFile: fleet.sshConfig,
    connectTimeoutMs: 5000,
    onEvent: (e) => events.push(e.type),
  });
  assert.deepEqual(summary.results.map((r) => r.host), [...good, refused]);
  for (const r of summary.results.slice(0, 3)) {
    assert.deepEqual(r.outcome, { kind: 'exited', code: 3 });
    assert.equal(r.stdout, 'out\n');
    assert.deepEqual(r.stdoutBytes, Buffer.from('out\n'));
    assert.equal(r.stderr, 'err\n');
    assert.equal(r.attempts, 1);
  }
  assert.equal(summary.results[3]!.outcome.kind, 'unreachable');
  assert.equal(summary.exitStatus, 4, 'unreachable is worse than exit 3');
  assert.equal(events[0], 'run-started');
  assert.equal(events.at(-1), 'run-ended');
  assert.equal(events.filter((t) => t === 'job-settled').length, 4);
  assert.ok(events.includes('output'), 'output chunks reach the listener');
});

test('a leased connection serves several channels: the same sshd session answers twice, a new connection does not', async () => {
  const { ssh } = await createSshContext({ sshConfigFile: fleet.sshConfig });
  const kept = new Connections(ssh, { keepIdle: true });
  const parentOf = async (connections: Connections): Promise<string[]> => {
    const s = await runHosts({
      hosts: good.map((h) => parseHostSpec(h)),
      connections,
      concurrency: 8,
      // $PPID of the login shell is the sshd process of this connection.
      work: (job) => execRemote(job.client, { command: 'echo $PPID', signal: job.signal, outputCapBytes: 1024 }),
    });
    return s.results.map((r) => r.stdout.trim());
  };
  try {
    const first = await parentOf(kept);
    const second = await parentOf(kept);
    assert.equal(kept.size, 3, 'one connection per host stays open');
    assert.deepEqual(second, first, 'the same connection served the second run');
    for (const p of first) assert.match(p, /^\d+$/);
    const fresh = new Connections((await createSshContext({ sshConfigFile: fleet.sshConfig })).ssh);
    try {
      const third = await parentOf(fresh);
      assert.equal(fresh.size, 0, 'without keepIdle a connection closes after its last lease');
      for (let i = 0; i < third.length; i++) assert.notEqual(third[i], first[i], 'a new connection is a new sshd session');
    } finally {
      await fresh.close();
    }
  } finally {
    await kept.close();
  }
});

test('monitorCycle writes hosts/ok from a library call', async () => {
  const home = await mkdtemp(join(tmpdir(), 'lwt-lib-'));
  try {
    const report = await monitorCycle({
      home,
      hosts: [...good, fleet.addresses('refused')[0]!],
      sshConfigFile: fleet.sshConfig,
      connectTimeoutMs: 5000,
      thresholds: { maxLoadPerCpu: 1e9, maxDiskPct: 100 },
      hysteresis: { dropAfter: 1 },
    });
    assert.equal(report.cancelled, false);
    assert.deepEqual(report.rows.map((r) => r.state), ['ok', 'ok', 'ok', 'refused']);
    const ok = (await readFile(join(home, 'hosts', 'ok'), 'utf8')).split('\n').filter((l) => l && !l.startsWith('#'));
    assert.deepEqual(ok, good);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

test('the example program compiles under strict against the built declarations and runs against the fleet', async () => {
  await run('npx', ['tsc', '-p', join(REPO, 'examples', 'tsconfig.json')], { cwd: REPO });
  const r = await run(process.execPath, [join(REPO, 'dist', 'examples', 'uptime.js'), fleet.sshConfig, good.join(',')], { cwd: tmpdir() });
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 4, r.stdout);
  for (let i = 0; i < 3; i++) assert.match(lines[i]!, new RegExp(`^${good[i]!.replace(/\./g, '\\.')}: .*load average`));
  assert.match(lines[3]!, /^3 hosts in \d+ ms, exit status 0$/);
});
