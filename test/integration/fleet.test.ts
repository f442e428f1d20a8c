/**
 * The test fleet itself, checked with the real OpenSSH client: every host kind
 * fails (or works) the way the rest of the integration tests rely on, and stop()
 * leaves nothing running, established sessions included.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addressRange, hostPatterns } from '../fleet/config.js';
import { startFleet, type Fleet } from '../fleet/fleet.js';

// Not the CLI's default 2222, so a fleet someone started by hand does not collide.
const PORT = 2223;
const CLI_PORT = 2224;
const FAULT_OPTS = ['-o', 'ConnectTimeout=2'];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run a command and collect its output; a hard 20 s cap so a hang fails the test instead of stalling it. */
function run(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

const ssh = (f: Fleet, host: string, command: string, extra: string[] = []): Promise<Run> =>
  run('ssh', ['-F', f.sshConfig, ...extra, host, command]);

/** Command lines (NULs as spaces) of every process that currently has one. */
function cmdlines(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const c = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (c) out.push(c);
    } catch {
      // exited while we looked
    }
  }
  return out;
}

let fleet: Fleet;

before(async () => {
  fleet = await startFleet({ good: 20, refused: 1, blackhole: 1, changedKey: 1, refusedKey: 1, port: PORT });
});

after(async () => {
  await fleet?.stop();
});

test('addresses are assigned by kind, in order', () => {
  assert.equal(fleet.hosts.length, 24);
  assert.deepEqual(fleet.addresses('good').slice(0, 2), ['127.0.1.1', '127.0.1.2']);
  assert.equal(fleet.addresses('good').length, 20);
  assert.deepEqual(fleet.addresses('refused'), ['127.0.1.21']);
  assert.deepEqual(fleet.addresses('blackhole'), ['127.0.1.22']);
  assert.deepEqual(fleet.addresses('changed-key'), ['127.0.1.23']);
  assert.deepEqual(fleet.addresses('refused-key'), ['127.0.1.24']);
  assert.ok(fleet.hosts.every((h) => h.port === PORT));
});

test('addresses wrap from .254 into the next /24, and the ssh_config Host line covers both', () => {
  const a = addressRange('127.0.1.253', 4);
  assert.deepEqual(a, ['127.0.1.253', '127.0.1.254', '127.0.2.1', '127.0.2.2']);
  assert.equal(hostPatterns(a), '127.0.1.* 127.0.2.*');
  assert.equal(addressRange('127.0.1.1', 500).at(-1), '127.0.2.246');
});

test('every good host runs a command, including those of the second sshd (17th and later)', async () => {
  const good = fleet.addresses('good');
  assert.equal(good[16], '127.0.1.17');
  const runs = await Promise.all(good.map((h) => ssh(fleet, h, 'echo hi')));
  runs.forEach((r, i) => {
    assert.equal(r.status, 0, `${good[i]}: ${r.stderr}`);
    assert.equal(r.stdout, 'hi\n', good[i]);
  });
});

test('refused host: exit 255, Connection refused', async () => {
  const r = await ssh(fleet, fleet.addresses('refused')[0]!, 'true', FAULT_OPTS);
  assert.equal(r.status, 255);
  assert.match(r.stderr, /Connection refused/);
});

test('blackhole host: connects, no banner, times out within ~3 s', async () => {
  const r = await ssh(fleet, fleet.addresses('blackhole')[0]!, 'true', FAULT_OPTS);
  assert.equal(r.status, 255);
  assert.match(r.stderr, /timed out/i);
  assert.ok(r.ms >= 1500, `gave up after ${r.ms} ms: it did not wait for the banner`);
  assert.ok(r.ms < 15000, `took ${r.ms} ms`);
});

test('changed-key host: host key verification fails', async () => {
  const r = await ssh(fleet, fleet.addresses('changed-key')[0]!, 'true', FAULT_OPTS);
  assert.equal(r.status, 255);
  assert.match(r.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
});

test('refused-key host: Permission denied', async () => {
  const r = await ssh(fleet, fleet.addresses('refused-key')[0]!, 'true', FAULT_OPTS);
  assert.equal(r.status, 255);
  assert.match(r.stderr, /Permission denied/);
});

test('stop() kills listeners, helpers and established sessions, and removes its temp dir', async () => {
  // A fleet of its own (the CLI test's port, other addresses; tests of a file run one after
  // another): stopping the shared one here would make every later test depend on the order.
  const own = await startFleet({ good: 17, blackhole: 1, port: CLI_PORT, firstAddress: '127.0.1.101' });
  try {
    assert.ok(cmdlines().some((c) => c.includes(own.dir)), 'the fleet runs processes of its own');
    // A session in progress on the second sshd: SIGTERM to a listener alone would leave it running.
    const marker = `sleep 4242.${process.pid}`;
    const session = ssh(own, own.addresses('good')[16]!, `echo started; exec ${marker}`);
    for (let i = 0; i < 200 && !cmdlines().some((c) => c.trim() === marker); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(cmdlines().some((c) => c.trim() === marker), 'remote command did not start');

    await own.stop();
    const s = await session; // the client sees the connection close
    assert.equal(s.status, 255);

    const left = cmdlines().filter((c) => c.includes(own.dir) || c.trim() === marker);
    assert.deepEqual(left, []);
    assert.equal(existsSync(own.dir), false);
  } finally {
    await own.stop();
  }
});

test('cli: up, status, down in a given dir; bad arguments exit 2', async () => {
  const cli = fileURLToPath(new URL('../fleet/cli.js', import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), 'lwt-fleet-cli-'));
  try {
    const up = await run(process.execPath, [cli, 'up', '2', '--refused', '1', '--port', String(CLI_PORT), '--dir', dir]);
    assert.equal(up.status, 0, up.stderr);
    assert.match(up.stdout, new RegExp(`ssh -F ${dir}/ssh_config 127\\.0\\.1\\.1 true`));
    assert.equal(readFileSync(join(dir, 'hosts'), 'utf8'), '127.0.1.1\n127.0.1.2\n');
    assert.equal(readFileSync(join(dir, 'hosts-all'), 'utf8'), '127.0.1.1\n127.0.1.2\n127.0.1.3\n');

    // The fleet outlives the CLI process that started it.
    const hi = await run('ssh', ['-F', join(dir, 'ssh_config'), '127.0.1.2', 'echo hi']);
    assert.equal(hi.status, 0, hi.stderr);
    assert.equal(hi.stdout, 'hi\n');

    const st = await run(process.execPath, [cli, 'status', '--dir', dir]);
    assert.match(st.stdout, /fleet running .*: 1 sshd listener/);

    const down = await run(process.execPath, [cli, 'down', '--dir', dir]);
    assert.equal(down.status, 0, down.stderr);
    assert.deepEqual(cmdlines().filter((c) => c.includes(`${dir}/`)), []);
    assert.ok(existsSync(join(dir, 'sshd-0.log')), 'down keeps logs');
    assert.equal(existsSync(join(dir, 'sshd-0.pid')), false, 'down removes pid files');

    const bad = await run(process.execPath, [cli, 'up', '2', '--frobnicate', '3']);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
  } finally {
    await run(process.execPath, [cli, 'down', '--dir', dir]);
    await rm(dir, { recursive: true, force: true });
  }
});
