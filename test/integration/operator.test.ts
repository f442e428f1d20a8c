/**
 * What an operator coming from pdsh, pssh and clush tries first: their flags, pipes, signals
 * and a terminal, against a real OpenSSH fleet on loopback.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { runLwt, type LwtRun } from './helpers.js';

let fleet: Fleet;
let home: string;
let work: string;

before(async () => {
  fleet = await startFleet({ good: 4, port: 2231, firstAddress: '127.0.9.1' });
  home = await mkdtemp(join(tmpdir(), 'lwt-home-'));
  work = await mkdtemp(join(tmpdir(), 'lwt-work-'));
  await runLwt(['init', home]);
});

after(async () => {
  await fleet?.stop();
  for (const d of [home, work]) if (d) await rm(d, { recursive: true, force: true });
});

const lwt = (verb: string, args: string[], opts: Parameters<typeof runLwt>[1] = {}): Promise<LwtRun> =>
  runLwt(['--home', home, verb, '-F', fleet.sshConfig, ...args], { cwd: work, ...opts });
const good = (n = 4): string => fleet.addresses('good').slice(0, n).join(',');

test("pssh's -h FILE is an error pointing to -H; -h alone shows help", async () => {
  const r = await lwt('exec-all', ['-h', 'hosts.txt', 'uptime']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /-h hosts\.txt: a host file is -H FILE in lwt/);
  assert.equal(r.stdout, '');
  const h = await lwt('put-all', ['-h']);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /^Usage: lwt put-all/);
});

test("-o -oStrictHostKeyChecking=no is refused naming -O, and makes no folder", async () => {
  const r = await lwt('exec-all', ['-w', good(1), '-o', '-oStrictHostKeyChecking=no', 'true']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /an ssh option is -O/);
  assert.equal(existsSync(join(work, '-oStrictHostKeyChecking=no')), false);
});

test('--exclude means nothing alone: hosts are -x/--exclude-hosts everywhere, paths --exclude-path', async () => {
  for (const verb of ['exec-all', 'put-all', 'get-all', 'monitor']) {
    const args = verb === 'exec-all' ? ['-w', good(2), '--exclude', fleet.addresses('good')[0]!, 'true'] : verb === 'monitor' ? ['-w', good(2), '--exclude', 'x'] : ['--exclude', 'x', 'a', 'b'];
    const r = await lwt(verb, args);
    assert.equal(r.status, 2, `${verb}: ${r.stderr}`);
    assert.match(r.stderr, /-x\/--exclude-hosts/, verb);
    if (verb === 'put-all' || verb === 'get-all') assert.match(r.stderr, /--exclude-path/);
  }
  const ok = await lwt('exec-all', ['-w', good(2), '--exclude-hosts', fleet.addresses('good')[0]!, '--json', 'true']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout.trim().split('\n').length, 2, 'one host line and the summary');
});

test('--connect-timeout 0 is refused with a message, nothing runs', async () => {
  const r = await lwt('exec-all', ['-w', good(1), '--connect-timeout', '0', 'true']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /connect deadline must be > 0/);
});

test('-w ^FILE and -w @GROUP reach the hosts they name', async () => {
  const { writeFile, mkdir } = await import('node:fs/promises');
  const [a, b, c] = fleet.addresses('good');
  await writeFile(join(work, 'list'), `${a}\n${b}\n`);
  await mkdir(join(home, 'hosts', 'racks'), { recursive: true });
  await writeFile(join(home, 'hosts', 'racks', 'r1'), `${c}\n`);
  await writeFile(join(work, 'inv.ini'), `[web]\n${a}\n[db]\n${c}\n`);
  const hostsOf = (r: LwtRun): string[] => r.stdout.trim().split('\n').slice(0, -1).map((l) => JSON.parse(l).host).sort();
  const r1 = await lwt('exec-all', ['-w', '^list', '-H', 'racks/r1', '--json', 'true']);
  assert.equal(r1.status, 0, r1.stderr);
  assert.deepEqual(hostsOf(r1), [a, b, c].sort());
  const r2 = await lwt('exec-all', ['-H', './inv.ini', '-w', '@db', '--json', 'true']);
  assert.equal(r2.status, 0, r2.stderr);
  assert.deepEqual(hostsOf(r2), [c]);
});
