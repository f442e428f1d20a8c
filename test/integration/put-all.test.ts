/**
 * lwt put-all and put-all-diff against a fleet whose hosts each have a filesystem of their
 * own (a private tmpfs at /srv/lwt-host per sshd, see test/fleet): trees arrive identical,
 * --changed sends only what differs, a host cut off mid-file has no partial file under the
 * final name and is completed by the next --changed run, per-host payloads stay per host.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { processesMatching, runLwt, type LwtRun } from './helpers.js';
import { describeLocal, describeRemote, lines, okOnHost, onHost } from './transfer-helpers.js';
import { TempNames } from '../../src/transfer/temp-names.js';

const ROOT = '/srv/lwt-host';
let fleet: Fleet;
let home: string;
let work: string;
let hosts: string[];

before(async () => {
  fleet = await startFleet({ good: 4, port: 2227, firstAddress: '127.0.5.1', privateRoot: ROOT });
  hosts = fleet.addresses('good');
  home = await mkdtemp(join(tmpdir(), 'lwt-home-'));
  work = await mkdtemp(join(tmpdir(), 'lwt-put-'));
  await runLwt(['init', home]);
});

after(async () => {
  await fleet?.stop();
  if (home) await rm(home, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

const lwt = (verb: string, args: string[]): Promise<LwtRun> => runLwt(['--home', home, verb, '-F', fleet.sshConfig, ...args]);
const jsonLines = (r: LwtRun): Record<string, any>[] => r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const byHost = (r: LwtRun): Map<string, Record<string, any>> => new Map(jsonLines(r).filter((l) => l.host).map((l) => [l.host, l]));

/** A tree with everything that has tripped transfers up: nesting, an empty folder, a symlink, modes, odd names. */
async function makeTree(dir: string): Promise<void> {
  await mkdir(join(dir, 'a', 'b', 'c'), { recursive: true });
  await mkdir(join(dir, 'empty'));
  await mkdir(join(dir, 'private'), { mode: 0o700 });
  await writeFile(join(dir, 'a', 'b', 'c', 'deep.txt'), 'deep\n');
  await writeFile(join(dir, 'with spaces in name.txt'), 'spaces\n');
  await writeFile(join(dir, "it's \"quoted\" $HOME"), 'quotes\n');
  await writeFile(join(dir, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  await chmod(join(dir, 'run.sh'), 0o755);
  await writeFile(join(dir, 'private', 'secret'), 'x', { mode: 0o600 });
  await writeFile(join(dir, 'empty-file'), '');
  await writeFile(join(dir, 'medium.bin'), randomBytes(700 * 1024)); // several SFTP writes
  await symlink('a/b/c/deep.txt', join(dir, 'link-to-deep'));
  await symlink('../nowhere', join(dir, 'a', 'dangling'));
  // Fractional mtimes, as real files have; SFTP keeps whole seconds.
  await utimes(join(dir, 'run.sh'), 1_600_000_000, 1_600_000_000.75);
  await utimes(join(dir, 'a', 'b'), 1_500_000_000, 1_500_000_000);
}

/**
 * Run `fn` while `program` cannot run on host `h`: a file that is not executable bound over it
 * in the host's mount namespace only ("Permission denied", exit 126).
 */
async function withoutProgram(h: string, program: string, fn: () => Promise<void>): Promise<void> {
  const pid = await fleet.listenerPid(h);
  const { execFileSync } = await import('node:child_process');
  const path = execFileSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).trim();
  const blocker = join(work, `not-${program}`);
  await writeFile(blocker, 'not a program\n', { mode: 0o644 });
  execFileSync('nsenter', ['-t', String(pid), '-m', 'mount', '--bind', blocker, path]);
  try {
    await fn();
  } finally {
    execFileSync('nsenter', ['-t', String(pid), '-m', 'umount', path]);
  }
}

test('each host has a filesystem of its own: a file written on one is not on another', async () => {
  await onHost(fleet, hosts[0]!, `echo mine > ${ROOT}/isolation-probe`);
  assert.equal(await okOnHost(fleet, hosts[0]!, `test -f ${ROOT}/isolation-probe`), true);
  assert.equal(await okOnHost(fleet, hosts[1]!, `test -e ${ROOT}/isolation-probe`), false);
  assert.equal(await stat(join(ROOT, 'isolation-probe')).catch(() => undefined), undefined, 'nothing on this machine either');
  await onHost(fleet, hosts[0]!, `rm ${ROOT}/isolation-probe`);
});

test('a tree arrives identical on every host: content, mode, mtime, symlinks, empty folder, odd names', async () => {
  const src = join(work, 'tree');
  await mkdir(src);
  await makeTree(src);
  const r = await lwt('put-all', ['-w', hosts.join(','), `${src}/`, `${ROOT}/t1`]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /sent: 127\.0\.5\.\[1-4\]: 9 files \(700 KiB\), 0 deleted/);
  const want = lines(await describeLocal(src));
  for (const h of hosts) assert.deepEqual(lines(await describeRemote(fleet, h, `${ROOT}/t1`)), want, h);
  // The link's text is what readlink says on the host (OpenSSH swaps SSH_FXP_SYMLINK's fields).
  assert.equal((await onHost(fleet, hosts[0]!, `readlink ${ROOT}/t1/link-to-deep`)).trim(), 'a/b/c/deep.txt');
  assert.equal((await onHost(fleet, hosts[0]!, `cat ${ROOT}/t1/link-to-deep`)).trim(), 'deep');
  // No temporary file is left anywhere.
  assert.equal((await onHost(fleet, hosts[2]!, `find ${ROOT}/t1 -name '.lwt-tmp-*'`)).trim(), '');
});

/** makeTree plus enough small files (nested, modes, mtimes, a long name and a long link) for the tar stream. */
async function makeStreamTree(dir: string): Promise<void> {
  await makeTree(dir);
  const long = join(dir, 'n'.repeat(90), 'o'.repeat(90));
  await mkdir(long, { recursive: true });
  await writeFile(join(long, 'p'.repeat(60)), 'long name\n');
  await symlink(`../${'t'.repeat(150)}`, join(dir, 'a', 'long-link'));
  for (let i = 0; i < 40; i++) {
    const f = join(dir, `s${i % 4}`, `f${i}`);
    await mkdir(join(dir, `s${i % 4}`), { recursive: true });
    await writeFile(f, randomBytes(i * 300), { mode: i % 3 === 0 ? 0o600 : 0o644 });
    await chmod(f, [0o600, 0o644, 0o755, 0o4750][i % 4]!);
    await utimes(f, 1_400_000_000 + i, 1_400_000_000 + i * 1000 + 0.5);
  }
}

test('many small files go as one tar stream and arrive identical: content, mode, mtime, symlinks, long names; sent again, they replace what is there', async () => {
  const src = join(work, 'stream');
  await mkdir(src);
  await makeStreamTree(src);
  const want = lines(await describeLocal(src));
  for (const round of [1, 2]) {
    if (round === 2) await writeFile(join(src, 's1', 'f1'), 'changed\n');
    const r = await lwt('put-all', ['-vv', '-w', hosts.join(','), `${src}/`, `${ROOT}/stream`]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /put-all: \d+ files to \/srv\/lwt-host\/stream in one tar stream/);
    assert.doesNotMatch(r.stderr, /sending by SFTP/);
    const now = round === 1 ? want : lines(await describeLocal(src));
    for (const h of hosts) assert.deepEqual(lines(await describeRemote(fleet, h, `${ROOT}/stream`)), now, `${h} round ${round}`);
    assert.equal((await onHost(fleet, hosts[3]!, `find ${ROOT}/stream -name '.lwt-tmp-*'`)).trim(), '', 'no temporary file left');
  }
});

test('put-all starts no watchdog process on the hosts: its listing (without --checksum) and its tar stream end by themselves when the connection goes', async () => {
  const r = await lwt('put-all', ['-w', hosts.join(','), `${join(work, 'stream')}/`, `${ROOT}/stream-again`]);
  assert.equal(r.status, 0, r.stderr);
  // A watchdog sleeps a second between checks: one started for this run would still be here.
  assert.deepEqual(await processesMatching(/lwt-watch/), []);
});

test('the tar stream on a host that runs out of space: every file under its final name is whole, the rest is reported, no temporary file stays', async () => {
  const src = join(work, 'nospace');
  await mkdir(src);
  const files = new Map<string, string>();
  for (let i = 0; i < 40; i++) {
    const data = randomBytes(60 * 1024);
    await writeFile(join(src, `f${String(i).padStart(2, '0')}`), data);
    files.set(`f${String(i).padStart(2, '0')}`, createHash('sha256').update(data).digest('hex'));
  }
  const h = hosts[2]!;
  const pid = await fleet.listenerPid(h);
  // A 1 MiB filesystem inside the host's own mount namespace: 2.4 MB cannot fit.
  await onHost(fleet, h, `mkdir -p ${ROOT}/small`);
  const { execFileSync } = await import('node:child_process');
  execFileSync('nsenter', ['-t', String(pid), '-m', 'mount', '-t', 'tmpfs', '-o', 'size=1m', 'lwt-small', `${ROOT}/small`]);
  try {
    const r = await lwt('put-all', ['-vv', '-w', h, '--json', `${src}/`, `${ROOT}/small/d`]);
    assert.match(r.stderr, /in one tar stream/);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const [res] = jsonLines(r).filter((l) => l.host === h);
    assert.equal(res!.outcome.kind, 'failed');
    // GNU tar's first complaint is a short write or the failed one after it.
    assert.match(res!.outcome.message, /problems?, first: \/srv\/lwt-host\/small\/d\/f\d\d: not sent \(tar on the host: tar: .*(No space left on device|Wrote only \d+ of \d+ bytes)/);
    const names = (await onHost(fleet, h, `ls -A ${ROOT}/small/d`)).split('\n').filter(Boolean);
    assert.ok(names.length > 0 && names.length < 40, `some files fit, not all: ${names.join(' ')}`);
    assert.equal(names.filter((n) => n.startsWith('.lwt-tmp-')).length, 0, 'no temporary file left');
    assert.equal(res!.filesSent, names.length);
    const sums = (await onHost(fleet, h, `cd ${ROOT}/small/d && sha256sum -- *`)).trim().split('\n');
    for (const line of sums) {
      const [sum, name] = line.split(/\s+\*?/) as [string, string];
      assert.equal(sum, files.get(name), `${name} is whole`);
    }
  } finally {
    execFileSync('nsenter', ['-t', String(pid), '-m', 'umount', '-l', `${ROOT}/small`]);
  }
});

test('a host whose tar cannot run gets the files by SFTP', async () => {
  const src = join(work, 'notar');
  await mkdir(src);
  for (let i = 0; i < 40; i++) await writeFile(join(src, `f${i}`), `file ${i}\n`);
  const h = hosts[3]!;
  await withoutProgram(h, 'tar', async () => {
    const r = await lwt('put-all', ['-vv', '-w', h, `${src}/`, `${ROOT}/notar`]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /no usable tar at \/srv\/lwt-host\/notar .*sending by SFTP/);
    assert.deepEqual(lines(await describeRemote(fleet, h, `${ROOT}/notar`)), lines(await describeLocal(src)));
  });
});

test('--changed sends a few files through the listing\'s own shell; a host without perl gets them by SFTP; both end identical', async () => {
  const src = join(work, 'held');
  await mkdir(join(src, 'sub'), { recursive: true });
  for (let i = 0; i < 6; i++) await writeFile(join(src, i % 2 ? 'sub' : '', `f${i}`), `file ${i}\n`);
  await writeFile(join(src, '-dash'), 'a name like an option\n');
  const [withPerl, noPerl] = [hosts[0]!, hosts[1]!];
  const first = await lwt('put-all', ['-w', `${withPerl},${noPerl}`, `${src}/`, `${ROOT}/held`]);
  assert.equal(first.status, 0, first.stderr);
  await writeFile(join(src, 'f0'), 'changed 0, longer\n');
  await writeFile(join(src, 'sub', 'f1'), 'changed 1\n');
  await utimes(join(src, '-dash'), 1_650_000_000, 1_650_000_000);
  await chmod(join(src, 'f2'), 0o600);
  await rm(join(src, 'f4'));
  // A leftover of an interrupted run on each host: removed by the next one, whichever way it sends.
  const leftover = new TempNames().next('sub/f3');
  for (const h of [withPerl, noPerl]) await onHost(fleet, h, `echo partial > ${ROOT}/held/${leftover}`);
  await withoutProgram(noPerl, 'perl', async () => {
    const r = await lwt('put-all', ['-vv', '--json', '--changed', '--delete', '-w', `${withPerl},${noPerl}`, `${src}/`, `${ROOT}/held`]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /3 files to \/srv\/lwt-host\/held through the listing's shell/);
    assert.match(r.stderr, /no receiver on the host .*sending by SFTP/);
    // The held shell and its receiver end by themselves: no watchdog beside them, none left.
    assert.deepEqual(await processesMatching(/lwt-watch|LWT-END-/), []);
    for (const l of byHost(r).values()) assert.deepEqual([l.filesSent, l.filesDeleted], [3, 1], JSON.stringify(l));
    const want = lines(await describeLocal(src));
    for (const h of [withPerl, noPerl]) assert.deepEqual(lines(await describeRemote(fleet, h, `${ROOT}/held`)), want, h);
    const again = await lwt('put-all', ['--json', '--changed', '-w', `${withPerl},${noPerl}`, `${src}/`, `${ROOT}/held`]);
    for (const l of byHost(again).values()) assert.deepEqual([l.outcome.kind, l.filesSent, l.filesDeleted], ['exited', 0, 0], JSON.stringify(l));
  });
});

test('trailing slash as rsync: without it the folder itself lands in DEST; a file goes into a folder or takes DEST as its name', async () => {
  const src = join(work, 'named');
  await mkdir(join(src, 'sub'), { recursive: true });
  await writeFile(join(src, 'sub', 'f'), 'f\n');
  const h = hosts[1]!;
  let r = await lwt('put-all', ['-w', h, src, `${ROOT}/t2/deeper/`]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((await onHost(fleet, h, `cat ${ROOT}/t2/deeper/named/sub/f`)).trim(), 'f');
  r = await lwt('put-all', ['-w', h, join(src, 'sub', 'f'), `${ROOT}/t2/deeper/`]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((await onHost(fleet, h, `cat ${ROOT}/t2/deeper/f`)).trim(), 'f');
  r = await lwt('put-all', ['-w', h, join(src, 'sub', 'f'), `${ROOT}/t2/new/renamed.conf`]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((await onHost(fleet, h, `cat ${ROOT}/t2/new/renamed.conf`)).trim(), 'f');
  // DEST that is an existing folder, without a slash: the file goes inside.
  r = await lwt('put-all', ['-w', h, join(src, 'sub', 'f'), `${ROOT}/t2/new`]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((await onHost(fleet, h, `cat ${ROOT}/t2/new/f`)).trim(), 'f');
});

test('--changed after touching 10 of 1000 files sends those 10; --delete removes only under DEST; --dry-run changes nothing', async () => {
  const src = join(work, 'many');
  await mkdir(join(src, 'd'), { recursive: true });
  for (let i = 0; i < 1000; i++) await writeFile(join(src, 'd', `f${String(i).padStart(4, '0')}`), `file ${i}\n`);
  const first = await lwt('put-all', ['-w', hosts.join(','), '--json', `${src}/`, `${ROOT}/many`]);
  assert.equal(first.status, 0, first.stderr);
  for (const l of byHost(first).values()) assert.equal(l.filesSent, 1000);
  // A bystander next to DEST must survive --delete.
  await onHost(fleet, hosts[0]!, `echo keep > ${ROOT}/bystander`);
  const touched: string[] = [];
  for (let i = 0; i < 1000; i += 100) {
    const name = join(src, 'd', `f${String(i).padStart(4, '0')}`);
    await writeFile(name, `changed ${i}!\n`);
    await utimes(name, 1_700_000_000 + i, 1_700_000_000 + i);
    touched.push(name);
  }
  await rm(join(src, 'd', 'f0999'));

  const dry = await lwt('put-all', ['-w', hosts[0]!, '--changed', '--delete', '--dry-run', `${src}/`, `${ROOT}/many`]);
  assert.equal(dry.status, 0, dry.stderr);
  assert.equal(dry.stdout.split('\n').filter((l) => l.startsWith('send ')).length, 10, dry.stdout);
  assert.match(dry.stdout, /^delete \/srv\/lwt-host\/many\/d\/f0999/m);
  assert.equal((await onHost(fleet, hosts[0]!, `cat ${ROOT}/many/d/f0100`)).trim(), 'file 100', 'dry run changed nothing');

  const r = await lwt('put-all', ['-w', hosts.join(','), '--changed', '--delete', `${src}/`, `${ROOT}/many`]);
  assert.equal(r.status, 0, r.stderr);
  // "changed 0!\n" … "changed 900!\n": 10 files, 11 or 13 bytes each.
  assert.match(r.stderr, /sent: 127\.0\.5\.\[1-4\]: 10 files \(128 B\), 1 deleted/);
  const json = await lwt('put-all', ['-w', hosts.join(','), '--changed', '--json', `${src}/`, `${ROOT}/many`]);
  for (const l of byHost(json).values()) assert.deepEqual([l.filesSent, l.bytesSent, l.filesDeleted], [0, 0, 0]);
  const want = lines(await describeLocal(src));
  for (const h of hosts) assert.deepEqual(lines(await describeRemote(fleet, h, `${ROOT}/many`)), want, h);
  assert.equal((await onHost(fleet, hosts[0]!, `cat ${ROOT}/bystander`)).trim(), 'keep');
});

test('a host cut off mid-file and a host past its deadline keep no partial file under the final name; --changed completes them', async () => {
  const src = join(work, 'big');
  await mkdir(src);
  const data = randomBytes(50 * 1024 * 1024);
  await writeFile(join(src, 'big.bin'), data);
  const sha = createHash('sha256').update(data).digest('hex');
  const [killed, frozen, fine] = [hosts[0]!, hosts[1]!, hosts[2]!];
  // Watch each victim's destination folder through its mount namespace. As soon as the
  // temporary file appears, freeze the host's session (SIGSTOP), then let it run in short
  // slices until 20 MB are written: the cut lands mid-file however fast or loaded the machine is.
  const act = async (address: string, signal: NodeJS.Signals): Promise<number> => {
    const dir = join(await fleet.hostRoot(address), 'big');
    const tempSize = async (): Promise<number | undefined> => {
      const tmp = (await readdir(dir).catch(() => [] as string[])).find((n) => n.startsWith('.lwt-tmp-'));
      return tmp === undefined ? undefined : ((await stat(join(dir, tmp)).catch(() => undefined))?.size ?? 0);
    };
    const deadline = Date.now() + 30_000;
    while ((await tempSize()) === undefined) {
      if (Date.now() > deadline) throw new Error(`${address}: no temporary file appeared`);
      await sleep(1);
    }
    // One snapshot of the session's processes, frozen and thawed as a set from here on.
    const pids = await fleet.sessionPids(address);
    const send = (sig: NodeJS.Signals): void => {
      for (const p of pids) {
        try {
          process.kill(p, sig);
        } catch {
          /* gone */
        }
      }
    };
    send('SIGSTOP');
    for (;;) {
      await sleep(5); // a stopped writer has stopped writing
      const size = await tempSize();
      if (size === undefined) throw new Error(`${address}: the temporary file went away before 20 MB`);
      if (size >= 20 * 1024 * 1024) {
        if (signal !== 'SIGSTOP') send(signal);
        return size;
      }
      if (Date.now() > deadline) throw new Error(`${address}: the transfer never reached 20 MB (at ${size})`);
      send('SIGCONT');
      await sleep(10);
      send('SIGSTOP');
    }
  };
  const watchers = Promise.all([act(killed, 'SIGKILL'), act(frozen, 'SIGSTOP')]);
  const r = await lwt('put-all', ['-w', `${killed},${frozen},${fine}`, '-t', '6', '--json', `${src}/`, `${ROOT}/big`]);
  const [cutAt] = await watchers;
  assert.ok(cutAt < data.length, 'cut before the end');
  const res = byHost(r);
  // Reached, then cut off mid-transfer: lost, not unreachable.
  assert.equal(res.get(killed)!.outcome.kind, 'lost', JSON.stringify(res.get(killed)));
  assert.equal(res.get(frozen)!.outcome.kind, 'timeout', JSON.stringify(res.get(frozen)));
  assert.deepEqual(res.get(fine)!.outcome, { kind: 'exited', code: 0 });
  assert.equal(r.status, 3);
  await fleet.signalSessions(frozen, 'SIGKILL');
  for (const h of [killed, frozen]) {
    const names = await readdir(join(await fleet.hostRoot(h), 'big'));
    assert.deepEqual(names.filter((n) => !n.startsWith('.lwt-tmp-')), [], `${h}: nothing under a final name`);
    assert.equal(names.length, 1, `${h}: the partial temporary file is there`);
  }
  const again = await lwt('put-all', ['-w', `${killed},${frozen},${fine}`, '--changed', '--json', `${src}/`, `${ROOT}/big`]);
  assert.equal(again.status, 0, again.stdout);
  const res2 = byHost(again);
  assert.deepEqual([res2.get(killed)!.filesSent, res2.get(frozen)!.filesSent, res2.get(fine)!.filesSent], [1, 1, 0]);
  for (const h of [killed, frozen, fine]) {
    assert.deepEqual(await readdir(join(await fleet.hostRoot(h), 'big')), ['big.bin'], `${h}: temporary file removed`);
    assert.equal((await onHost(fleet, h, `sha256sum ${ROOT}/big/big.bin`)).split(' ')[0], sha, h);
  }
});

test('put-all-diff: each host receives its own folder and nothing of another host', async () => {
  const local = join(work, 'per-host');
  const [h1, h2, h3, h4] = hosts as [string, string, string, string];
  for (const h of [h1, h2, h3]) {
    await mkdir(join(local, h, 'etc'), { recursive: true });
    await writeFile(join(local, h, 'etc', 'name'), `${h}\n`);
    await writeFile(join(local, h, `only-${h}`), 'x');
  }
  await mkdir(join(local, 'stray-folder'));
  const r = await lwt('put-all-diff', ['-w', hosts.join(','), local, `${ROOT}/diff`]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`no folder in .* for 1 host, skipped: ${h4.replace(/\./g, '\\.')}`));
  assert.match(r.stderr, /1 folder in .* match no selected host: stray-folder/);
  for (const h of [h1, h2, h3]) {
    assert.deepEqual(lines(await describeRemote(fleet, h, `${ROOT}/diff`)), lines(await describeLocal(join(local, h))), h);
    assert.equal((await onHost(fleet, h, `cat ${ROOT}/diff/etc/name`)).trim(), h);
  }
  assert.equal(await okOnHost(fleet, h4, `test -e ${ROOT}/diff`), false, 'the host without a folder got nothing');
});

test('bad input is one line naming the culprit, exit 2, nothing sent', async () => {
  const h = hosts[0]!;
  const cases: Array<[string[], RegExp]> = [
    [['put-all', '-w', h, join(work, 'missing'), `${ROOT}/x`], /^lwt: SRC .*missing: no such file or folder$/],
    [['put-all', '-w', h, join(work, 'tree', 'run.sh/'), `${ROOT}/x`], /^lwt: SRC .*run\.sh\/: not a folder/],
    [['put-all', '-w', h, '--delete', join(work, 'tree', 'run.sh'), `${ROOT}/x`], /^lwt: --delete needs a folder as the source/],
    [['put-all', '-w', h, '--delete', `${join(work, 'tree')}/`, '/'], /^lwt: --delete refuses to clean the root folder \//],
    [['put-all', '-w', h, '--delete', `${join(work, 'tree')}/`, '~'], /^lwt: --delete refuses to clean the remote home folder/],
    [['put-all', '-w', h, join(work, 'tree'), ''], /^lwt: DEST is empty/],
    [['put-all', '-w', h, '--exclude-path', '', join(work, 'tree'), `${ROOT}/x`], /^lwt: --exclude-path '': empty pattern$/],
    [['put-all', '-w', h, join(work, 'tree')], /^lwt: error: missing required argument 'DEST'$/],
    [['put-all-diff', '-w', h, join(work, 'tree', 'run.sh'), `${ROOT}/x`], /^lwt: LOCAL .*: not a folder$/],
    [['put-all-diff', '-w', h, join(work, 'tree'), `${ROOT}/x`], /^lwt: no folder in .* matches a selected host/],
  ];
  for (const [args, want] of cases) {
    const r = await runLwt(['--home', home, ...args.slice(0, 1), '-F', fleet.sshConfig, ...args.slice(1)]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    // The last line is the error (put-all-diff may warn about folders first).
    const last = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('(add --help')).at(-1);
    assert.match(last ?? '', want, args.join(' '));
  }
  assert.equal(await okOnHost(fleet, h, `test -e ${ROOT}/x`), false);
});
