/**
 * lwt monitor and lwt hosts against a real sshd fleet: classification, hosts/ok, hysteresis
 * with a host that fails and recovers, the home lock, and exec-all using hosts/ok.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { runLwt, type LwtRun } from './helpers.js';
import { parseHostList } from '../../src/hosts/host-list.js';

const PORT = 2226;
const FLAKY_PORT = 2299;
let fleet: Fleet;
let dir: string;
let home: string;
let sshConfig: string;
let flaky: string;

before(async () => {
  fleet = await startFleet({ good: 30, refused: 5, blackhole: 5, changedKey: 1, refusedKey: 1, port: PORT, firstAddress: '127.0.4.1' });
  dir = await mkdtemp(join(tmpdir(), 'lwt-mon-'));
  home = join(dir, 'home');
  await runLwt(['init', home]);
  // A flaky host: the first good address on another port, where the test runs a TCP relay to
  // the real sshd only while the host should be up. Its known_hosts entry is the same key.
  const first = fleet.addresses('good')[0]!;
  flaky = `${first}:${FLAKY_PORT}`;
  const kh = await readFile(fleet.knownHosts, 'utf8');
  const line = kh.split('\n').find((l) => l.startsWith(`[${first}]:${PORT} `))!;
  await writeFile(join(dir, 'known_hosts'), `${kh}${line.replace(`:${PORT} `, `:${FLAKY_PORT} `)}\n`);
  sshConfig = join(dir, 'ssh_config');
  await writeFile(sshConfig, `UserKnownHostsFile ${join(dir, 'known_hosts')}\nInclude ${fleet.sshConfig}\n`);
});

after(async () => {
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// The fleet is this machine, whose load the test run itself drives up: thresholds out of the way
// (overloaded is the unit tests' business), so these tests are about reachability and the list.
const monitor = (args: string[]): Promise<LwtRun> =>
  runLwt(['--home', home, 'monitor', '-F', sshConfig, '--connect-timeout', '2', '--max-load', '100000', '--max-disk', '100', ...args]);
const jsonRows = (r: LwtRun): Record<string, any>[] => r.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.host);
const okHosts = async (): Promise<string[]> => parseHostList(await readFile(join(home, 'hosts', 'ok'), 'utf8'), 'hosts/ok').map((h) => h.host + (h.port ? `:${h.port}` : ''));

test('one cycle classifies every kind of host and writes exactly the good ones to hosts/ok', async () => {
  await writeFile(join(home, 'hosts', 'candidates'), fleet.hosts.map((h) => h.address).join('\n') + '\n');
  const r = await monitor(['--drop-after', '1', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const rows = jsonRows(r);
  const byHost = new Map(rows.map((row) => [row.host, row]));
  const expected: Record<string, string> = { good: 'ok', refused: 'refused', blackhole: 'timeout', 'changed-key': 'host-key', 'refused-key': 'auth' };
  for (const h of fleet.hosts) {
    const row = byHost.get(h.address)!;
    assert.equal(row?.state, expected[h.kind], `${h.address} (${h.kind}): ${JSON.stringify(row)}`);
    assert.equal(row.listed, h.kind === 'good');
    if (h.kind === 'good') {
      assert.equal(typeof row.latencyMs, 'number');
      assert.equal(typeof row.load, 'number');
    }
  }
  assert.deepEqual(await okHosts(), fleet.addresses('good'));

  const exec = await runLwt(['--home', home, 'exec-all', '-F', sshConfig, '--json', 'true']);
  const ran = exec.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.host).map((l) => l.host).sort();
  assert.deepEqual(ran, [...fleet.addresses('good')].sort());
  const human = await runLwt(['--home', home, 'exec-all', '-F', sshConfig, 'true']);
  assert.match(human.stderr, /30 hosts from .*hosts\/ok/);
  const list = await runLwt(['--home', home, 'hosts']);
  assert.match(list.stdout, new RegExp(`^${fleet.addresses('refused')[0]!.replace(/\./g, '\\.')}\\s+refused\\s+no`, 'm'));
});

test('hysteresis with K=2: one failure keeps a host listed, the second drops it, recovery restores it', async () => {
  const good = fleet.addresses('good').slice(1, 4);
  await writeFile(join(home, 'hosts', 'candidates'), [...good, flaky].join('\n') + '\n');
  let relay: Server | undefined;
  const sockets = new Set<Socket>();
  const up = async (): Promise<void> => {
    relay = createServer((s) => {
      const t = connect(PORT, flaky.split(':')[0]!);
      sockets.add(s).add(t);
      s.pipe(t).pipe(s);
      s.on('error', () => t.destroy());
      t.on('error', () => s.destroy());
    });
    await new Promise<void>((resolve) => relay!.listen(FLAKY_PORT, flaky.split(':')[0]!, resolve));
  };
  const down = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => (relay ? relay.close(() => resolve()) : resolve()));
    relay = undefined;
  };
  const cycle = async (): Promise<Record<string, any>> => {
    const r = await monitor(['--json']);
    assert.equal(r.status, 0, r.stderr);
    return jsonRows(r).find((row) => row.host === flaky)!;
  };
  try {
    await up();
    assert.equal((await cycle()).state, 'ok');
    assert.ok((await okHosts()).includes(flaky));
    await down();
    const once = await cycle();
    assert.equal(once.state, 'refused');
    assert.equal(once.listed, true, 'still listed after one failure');
    assert.ok((await okHosts()).includes(flaky));
    const twice = await monitor([]);
    assert.match(twice.stderr, new RegExp(`dropped ${flaky.replace(/\./g, '\\.')}: refused .*2 failures in a row`));
    assert.ok(!(await okHosts()).includes(flaky), 'dropped after the second failure');
    await up();
    const back = await monitor([]);
    assert.match(back.stderr, new RegExp(`restored ${flaky.replace(/\./g, '\\.')}`));
    assert.ok((await okHosts()).includes(flaky));
    assert.deepEqual((await okHosts()).filter((h) => h !== flaky), good);
  } finally {
    await down();
  }
});

test('two monitors at once: one runs, the other exits at once naming the holder; a stale lock is taken over', async () => {
  // A blackhole in the candidates keeps the first monitor busy for the connect timeout.
  await writeFile(join(home, 'hosts', 'candidates'), [...fleet.addresses('good').slice(0, 5), fleet.addresses('blackhole')[0]!].join('\n') + '\n');
  let firstDone = false;
  const first = monitor(['--drop-after', '1']).finally(() => (firstDone = true));
  // The first monitor holds the lock once its file is there (no guess at how long start-up takes).
  const lockFile = join(home, '.lwt', 'monitor.lock');
  for (let i = 0; i < 600 && !firstDone && !existsSync(lockFile); i++) await sleep(25);
  assert.ok(existsSync(lockFile), 'the first monitor took the lock');
  const second = await monitor(['--drop-after', '1']);
  assert.equal(second.status, 75, second.stderr);
  assert.match(second.stderr, /^lwt: another lwt monitor holds .*monitor\.lock \(pid \d+ on .* since .*\); not starting\n$/);
  // "At once": it did not wait for the holder (which waits out a blackhole's connect timeout).
  assert.equal(firstDone, false, 'the second monitor waited for the first');
  const r1 = await first;
  assert.equal(r1.status, 0, r1.stderr);
  assert.deepEqual(await okHosts(), fleet.addresses('good').slice(0, 5));

  // A lock left by a process that no longer exists.
  const dead = spawnSync('true').pid!;
  await mkdir(join(home, '.lwt'), { recursive: true });
  await writeFile(join(home, '.lwt', 'monitor.lock'), JSON.stringify({ pid: dead, host: (await import('node:os')).hostname(), since: 'then', verb: 'monitor' }));
  const taken = await monitor(['--drop-after', '1']);
  assert.equal(taken.status, 0, taken.stderr);
});

test('hosts add/rm edit the candidates atomically (replaced by a rename, no temporary file) and rm leaves hosts/ok at once; expand prints ranges', async () => {
  await writeFile(join(home, 'hosts', 'candidates'), '# rack a\n' + fleet.addresses('good').slice(0, 3).join('\n') + '\n');
  assert.equal((await monitor(['--drop-after', '1'])).status, 0);
  const [a, b, c] = fleet.addresses('good');
  const inode = (await stat(join(home, 'hosts', 'candidates'))).ino;
  const rm1 = await runLwt(['--home', home, 'hosts', 'rm', b!]);
  assert.notEqual((await stat(join(home, 'hosts', 'candidates'))).ino, inode, 'candidates replaced, not written in place');
  assert.deepEqual(leftovers(await readdir(join(home, 'hosts'))), []);
  assert.equal(rm1.status, 0, rm1.stderr);
  assert.deepEqual(await okHosts(), [a, c]);
  const text = await readFile(join(home, 'hosts', 'candidates'), 'utf8');
  assert.ok(text.startsWith('# rack a\n'), text);
  assert.ok(!text.includes(`${b}\n`));
  const add = await runLwt(['--home', home, 'hosts', 'add', 'web[01-03]']);
  assert.match(add.stdout, /added 3 hosts: web\[01-03\]/);
  const expand = await runLwt(['hosts', 'expand', 'n[08-10],x']);
  assert.equal(expand.stdout, 'n08\nn09\nn10\nx\n');
  const bad = await runLwt(['hosts', 'expand', 'n[5-2]']);
  assert.equal(bad.status, 2);
});

/** Names that are temporary files of an atomic write (`.NAME.lwt-tmp-…`). */
const leftovers = (names: string[]): string[] => names.filter((n) => n.includes('lwt-tmp'));

test('--load, --bandwidth and --disk-path report their measures; a full disk is overloaded, a slow link slow; neither is listed', async () => {
  const hosts = fleet.addresses('good').slice(5, 7);
  const w = ['-w', hosts.join(','), '--drop-after', '1', '--json'];
  const measured = await monitor([...w, '--load', '--bandwidth', '256K', '--disk-path', '/dev/shm']);
  assert.equal(measured.status, 0, measured.stderr);
  // The hosts share this machine's file systems: /dev/shm as df sees it here.
  const [, size] = /^\S+\s+(\d+)/m.exec(spawnSync('df', ['-Pk', '/dev/shm'], { encoding: 'utf8' }).stdout.split('\n')[1]!)!;
  for (const row of jsonRows(measured)) {
    assert.equal(row.state, 'ok', JSON.stringify(row));
    const m = row.metrics;
    for (const k of ['cpuPctTotal', 'memPctTotal', 'cpuPctUser', 'memPctUser']) assert.equal(typeof m[k], 'number', `${k}: ${JSON.stringify(m)}`);
    assert.ok(row.upRate > 0 && row.downRate > 0, JSON.stringify(row));
    // Free + used of the probed path is that file system's size (df rounds each to KiB).
    const used = Number(size) - m.diskFreeKb;
    assert.ok(used >= 0 && used <= Number(size), `/dev/shm: size ${size} KiB, free ${m.diskFreeKb} KiB`);
    assert.equal(m.diskUsePct, Math.ceil((used * 100) / Number(size)), JSON.stringify(m));
  }
  const full = await monitor([...w, '--max-disk', '0', '--disk-path', '/']);
  for (const row of jsonRows(full)) {
    assert.equal(row.state, 'overloaded', JSON.stringify(row));
    assert.match(row.why, /^disk \d+% used, over 0%$/);
    assert.equal(row.listed, false);
  }
  const slow = await monitor([...w, '--bandwidth', '64K', '--min-rate', '1000G']);
  for (const row of jsonRows(slow)) {
    assert.equal(row.state, 'slow', JSON.stringify(row));
    assert.match(row.why, /^(upload|download) .* MiB\/s, under 1024000\.00 MiB\/s$/);
    assert.equal(row.listed, false);
  }
});

test('--watch repeats cycles (-vv says when the next one starts); health.json and hosts/ok are replaced whole each time: a reader never sees a partial file', async () => {
  await writeFile(join(home, 'hosts', 'candidates'), fleet.addresses('good').slice(0, 3).join('\n') + '\n');
  const health = join(home, '.lwt', 'health.json');
  const ok = join(home, 'hosts', 'ok');
  const inodes = new Set<number>();
  const okInodes = new Set<number>();
  let reads = 0;
  let stop = false;
  const problems: string[] = [];
  const r = runLwt(['--home', home, 'monitor', '-F', sshConfig, '--max-load', '100000', '--max-disk', '100', '--watch', '1', '-vv'], {
    timeoutMs: 90_000,
    onSpawn: (pid) => {
      void (async () => {
        // Read both files as fast as possible while cycles replace them; every read must be whole.
        for (let i = 0; i < 20_000 && !stop && inodes.size < 4; i++) {
          const [h, o] = await Promise.all([readFile(health, 'utf8').catch(() => undefined), readFile(ok, 'utf8').catch(() => undefined)]);
          try {
            if (h !== undefined) {
              JSON.parse(h);
              inodes.add((await stat(health).catch(() => ({ ino: -1 }))).ino);
              reads++;
            }
            if (o !== undefined) {
              if (o !== '' && !o.endsWith('\n')) throw new Error('a line cut short');
              parseHostList(o, 'hosts/ok');
              okInodes.add((await stat(ok).catch(() => ({ ino: -1 }))).ino);
            }
          } catch (err) {
            problems.push(`${(err as Error).message}: ${JSON.stringify(h)} / ${JSON.stringify(o)}`);
          }
          await sleep(2);
        }
        process.kill(pid, 'SIGINT');
      })();
    },
  });
  const done = await r.finally(() => (stop = true));
  assert.deepEqual(problems.slice(0, 3), [], 'a reader saw a partial file');
  assert.equal(done.status, 130, done.stderr);
  inodes.delete(-1);
  okInodes.delete(-1);
  assert.ok(inodes.size >= 3, `health.json seen in ${inodes.size} versions over ${reads} reads: --watch did not repeat`);
  assert.ok(okInodes.size >= 3, `hosts/ok seen in ${okInodes.size} versions`);
  assert.deepEqual(leftovers([...(await readdir(join(home, '.lwt'))), ...(await readdir(join(home, 'hosts')))]), []);
  assert.deepEqual(await okHosts(), fleet.addresses('good').slice(0, 3));
  // -vv shows debug lines on stderr, this one between cycles.
  assert.match(done.stderr, /^lwt: DEBUG: next cycle in 1 s$/m);
});
