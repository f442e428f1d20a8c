/**
 * Attacks on the transfer verbs from the security review (issue 13, items 2, 3, 4, 8, 9, 10),
 * each against real hosts with a filesystem and a scratch login home of their own (a tmpfs
 * per host inside its mount namespace): what an attack reaches is a throw-away folder.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { runLwt, type LwtRun } from './helpers.js';
import { okOnHost, onHost } from './transfer-helpers.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TempNames } from '../../src/transfer/temp-names.js';

const ROOT = '/srv/lwt-host';
let fleet: Fleet;
let home: string;
let work: string;
let hosts: string[];

before(async () => {
  fleet = await startFleet({ good: 2, port: 2234, firstAddress: '127.0.12.1', privateRoot: ROOT, privateHome: true });
  hosts = fleet.addresses('good');
  home = await mkdtemp(join(tmpdir(), 'lwt-home-'));
  work = await mkdtemp(join(tmpdir(), 'lwt-sec-'));
  await runLwt(['init', home]);
});

after(async () => {
  await fleet?.stop();
  if (home) await rm(home, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

const lwt = (verb: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<LwtRun> =>
  runLwt(['--home', home, verb, '-F', fleet.sshConfig, ...args], opts);

interface HostLine {
  host: string;
  outcome: { kind: string; code?: number; message?: string };
  stdout?: string;
  stderr?: string;
  [k: string]: unknown;
}

/** The per-host objects of a --json run. */
function hostLines(r: LwtRun): HostLine[] {
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{"host"'))
    .map((l) => JSON.parse(l) as HostLine);
}

async function site(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(work, name);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
  return dir;
}

test('item 2: --delete is judged by the real path on the host: /srv/.., ~/.., ../.., /tmp/../etc and x/.. are refused, nothing deleted', async () => {
  const h = hosts[0]!;
  const src = await site('del-site', { 'index.html': 'hi\n' });
  await onHost(fleet, h, 'echo keep > canary-del && mkdir -p x');
  // Dry runs for / and /etc: before the fix they listed `delete /srv/../etc/…`.
  for (const [dest, real, rule] of [
    ['/srv/..', '/', /it is the root folder \//],
    ['~/..', '/', /it is the root folder \//],
    ['../..', '/', /it is the root folder \//],
    ['/tmp/../etc', '/etc', /it is the system folder \/etc/],
    ['x/..', '', /it is the login home folder/],
  ] as const) {
    const r = await lwt('put-all', ['-w', h, '--json', '--delete', '--dry-run', `${src}/`, dest]);
    assert.equal(r.status, 1, `${dest}: ${r.stdout}${r.stderr}`);
    const [line] = hostLines(r);
    assert.equal(line?.outcome.kind, 'failed', dest);
    assert.match(line!.outcome.message!, /^--delete refused: /, dest);
    assert.match(line!.outcome.message!, rule, dest);
    if (real) assert.ok(line!.outcome.message!.includes(`(${real} on the host)`), line!.outcome.message);
    assert.doesNotMatch(line!.stdout ?? '', /delete /, `${dest}: no delete planned`);
  }
  // For real into the (scratch) home spelled x/..: refused, the home keeps its files.
  const real = await lwt('put-all', ['-w', h, '--json', '--delete', `${src}/`, 'x/..']);
  assert.equal(real.status, 1, real.stdout);
  assert.equal((await onHost(fleet, h, 'cat canary-del')).trim(), 'keep');
  assert.equal(await okOnHost(fleet, h, 'test -e index.html'), false, 'nothing was sent either');
  // A folder below them is cleaned as before; --force-delete-dangerous lifts the rule.
  await onHost(fleet, h, `mkdir -p ${ROOT}/www && echo old > ${ROOT}/www/old.html`);
  const ok = await lwt('put-all', ['-w', h, '--delete', `${src}/`, `${ROOT}/www/../www`]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(await okOnHost(fleet, h, `test -e ${ROOT}/www/old.html`), false);
  const forced = await lwt('put-all', ['-w', h, '--json', '--delete', '--dry-run', '--force-delete-dangerous', `${src}/`, 'x/..']);
  assert.equal(forced.status, 0, forced.stdout);
  assert.match(hostLines(forced)[0]!.stdout ?? '', /delete x\/\.\.\/canary-del/);
});

test('item 8: files that only look like temporary files are sent, fetched and kept; only lwt\'s own leftovers are removed', async () => {
  const h = hosts[1]!;
  const lookAlike = '.lwt-tmp-deadbeef-0';
  const lookAlike16 = '.lwt-tmp-0123456789abcdef-0';
  const src = await site('tmp-site', { [lookAlike]: 'mine\n', [`sub/${lookAlike16}`]: 'mine too\n', 'sub/page': 'p\n' });
  const leftover = new TempNames().next('x');
  const dest = `${ROOT}/tmp-dest`;
  // On the host, without --delete: a user's look-alikes and one real leftover of an interrupted run.
  await onHost(fleet, h, `mkdir -p ${dest}/sub ${dest}/other && echo theirs > ${dest}/other/${lookAlike} && echo theirs > ${dest}/other/${lookAlike16} && echo partial > ${dest}/sub/${leftover}`);
  const put = await lwt('put-all', ['-w', h, `${src}/`, dest]);
  assert.equal(put.status, 0, put.stderr);
  assert.equal((await onHost(fleet, h, `cat ${dest}/${lookAlike}`)).trim(), 'mine', 'the local look-alike was sent');
  assert.equal((await onHost(fleet, h, `cat ${dest}/sub/${lookAlike16}`)).trim(), 'mine too');
  assert.equal((await onHost(fleet, h, `cat ${dest}/other/${lookAlike} ${dest}/other/${lookAlike16}`)).trim(), 'theirs\ntheirs', 'remote look-alikes kept');
  assert.equal(await okOnHost(fleet, h, `test -e ${dest}/sub/${leftover}`), false, 'lwt\'s own leftover removed');

  // A leftover in the local source is not sent, and the operator is told.
  await writeFile(join(src, leftover), 'partial');
  const again = await lwt('put-all', ['-w', h, `${src}/`, `${ROOT}/tmp-dest2`]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, new RegExp(`${leftover}: a temporary file of an interrupted lwt run, not sent`));
  assert.equal(await okOnHost(fleet, h, `test -e ${ROOT}/tmp-dest2/${leftover}`), false);
  await rm(join(src, leftover));

  // get-all: look-alikes in the local copy survive, the host's look-alikes are fetched.
  const out = join(work, 'tmp-got');
  await mkdir(join(out, h, 'tmp-dest', 'other'), { recursive: true });
  await writeFile(join(out, h, 'tmp-dest', 'other', 'notes'), 'x');
  await writeFile(join(out, h, 'tmp-dest', lookAlike), 'local\n');
  await mkdir(join(out, h, 'tmp-dest', 'sub'), { recursive: true });
  await writeFile(join(out, h, 'tmp-dest', 'sub', '.lwt-tmp-cafebabe-1'), 'only here\n');
  const get = await lwt('get-all', ['-w', h, '--changed', dest, out]);
  assert.equal(get.status, 0, get.stderr);
  assert.equal(await readFile(join(out, h, 'tmp-dest', 'other', lookAlike16), 'utf8'), 'theirs\n');
  assert.equal(await readFile(join(out, h, 'tmp-dest', lookAlike), 'utf8'), 'mine\n', 'fetched over the local file of that name');
  assert.equal(await readFile(join(out, h, 'tmp-dest', 'other', 'notes'), 'utf8'), 'x');
  assert.equal(await readFile(join(out, h, 'tmp-dest', 'sub', '.lwt-tmp-cafebabe-1'), 'utf8'), 'only here\n', 'a local look-alike is not a leftover');
});

/** A command's stdout on a host as bytes (names need not be UTF-8). */
async function hostBytes(address: string, command: string): Promise<Buffer> {
  const { stdout } = await promisify(execFile)('ssh', ['-F', fleet.sshConfig, address, command], { encoding: 'buffer', maxBuffer: 64 << 20 });
  return stdout;
}

test('item 9: names that are not UTF-8 are sent and fetched byte for byte, with the rest of the tree', async () => {
  const h = hosts[0]!;
  const latin1 = Buffer.from('caf\xe9.txt', 'latin1');
  const badDir = Buffer.from([0x64, 0xff, 0xfe]);
  const src = await site('bytes-site', { 'plain.txt': 'plain\n' });
  const srcB = Buffer.from(src);
  const slash = Buffer.from('/');
  await writeFile(Buffer.concat([srcB, slash, latin1]), 'latin-1 name\n');
  await mkdir(Buffer.concat([srcB, slash, badDir]));
  await writeFile(Buffer.concat([srcB, slash, badDir, slash, latin1]), 'inside\n');
  const dest = `${ROOT}/bytes`;
  const put = await lwt('put-all', ['-w', h, `${src}/`, dest]);
  assert.equal(put.status, 0, put.stderr);
  const listed = (await hostBytes(h, `cd ${dest} && find . -mindepth 1 -printf '%P\\0' | sort -z`)).toString('latin1').split('\0').filter(Boolean);
  const want = ['plain.txt', latin1.toString('latin1'), badDir.toString('latin1'), `${badDir.toString('latin1')}/${latin1.toString('latin1')}`].sort();
  assert.deepEqual(listed.sort(), want);
  assert.equal((await hostBytes(h, `cat ${dest}/d*/caf*`)).toString(), 'inside\n');
  const again = await lwt('put-all', ['-w', h, '--json', '--changed', `${src}/`, dest]);
  assert.equal(again.status, 0, again.stdout);
  assert.equal(hostLines(again)[0]!.filesSent, 0, 'the listing names them exactly: nothing differs');

  const out = join(work, 'bytes-got');
  const get = await lwt('get-all', ['-w', h, `${dest}/`, out]);
  assert.equal(get.status, 0, get.stderr);
  const got = Buffer.from(join(out, h));
  const names = (await readdir(got, { encoding: 'buffer' })).map((b) => b.toString('latin1')).sort();
  assert.deepEqual(names, ['plain.txt', latin1.toString('latin1'), badDir.toString('latin1')].sort());
  assert.equal(await readFile(Buffer.concat([got, slash, badDir, slash, latin1]), 'utf8'), 'inside\n');
});

test('item 10: a file that grows while fetched: at most the listed size arrives, and it is reported', async () => {
  const h = hosts[1]!;
  const dir = `${ROOT}/growing`;
  // 1 MiB listed; then a writer appends 64 KiB every few ms, 2000 times at most (a tmpfs).
  // Plain nohup sh (not timeout, which forwards the session's SIGHUP): it outlives the ssh that starts it.
  await onHost(fleet, h, `mkdir -p ${dir} && head -c 1048576 /dev/urandom > ${dir}/log && head -c 65536 /dev/zero > /tmp/lwt-chunk`);
  const writer = (await onHost(fleet, h, `nohup sh -c 'n=0; while [ $n -lt 2000 ]; do cat /tmp/lwt-chunk >> ${dir}/log; sleep 0.005; n=$((n + 1)); done' < /dev/null > /dev/null 2>&1 & echo $!`)).trim();
  try {
    const out = join(work, 'grown');
    const r = await lwt('get-all', ['-w', h, '--json', dir, out], { timeoutMs: 120_000 });
    const [line] = hostLines(r);
    assert.equal(line?.outcome.kind, 'exited', r.stdout);
    const m = /log: grew on the host while read; the (\d+) bytes listed were fetched/.exec(line!.stderr ?? '');
    assert.ok(m, `reported as changed: ${line!.stderr}`);
    const listed = Number(m[1]);
    assert.ok(listed >= 1048576, `${listed}`);
    const got = await readFile(join(out, h, 'growing', 'log'));
    assert.equal(got.length, listed, 'exactly the listed bytes, not what the file grew to');
    const head = await hostBytes(h, `head -c 1048576 ${dir}/log`);
    assert.deepEqual(got.subarray(0, 1048576), head, 'the bytes are the file\'s own');
  } finally {
    await onHost(fleet, h, `kill ${writer}; sleep 0.2; rm -rf ${dir}`).catch(() => undefined);
  }
});

/** The host's session processes (descendants of its sshd listener) once they settle: none left means nothing outlived the run. */
async function settledSessions(address: string): Promise<string[]> {
  let left: string[] = [];
  for (let i = 0; i < 50; i++) {
    const pids = await fleet.sessionPids(address);
    left = (await Promise.all(pids.map((p) => readFile(`/proc/${p}/cmdline`, 'utf8').then((c) => `${p} ${c.replace(/\0/g, ' ').trim()}`, () => '')))).filter(Boolean);
    if (left.length === 0) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
  return left;
}

test('item 4: files swapped for FIFOs after the listing never hang get-all, and nothing it started stays on the host', async () => {
  const h = hosts[0]!;
  const dir = `${ROOT}/fifos`;
  // a/ (1500 files, fetched first: names are fetched in order) gives the swapper time to act
  // between the listing and the reads of z/.
  await onHost(fleet, h, `mkdir -p ${dir}/a ${dir}/z && cd ${dir} && i=0; while [ $i -lt 1500 ]; do echo a > a/f$i; i=$((i+1)); done; i=0; while [ $i -lt 200 ]; do echo x > z/f$i; i=$((i+1)); done`);
  // At any moment 40 of the 200 names in z/ are FIFOs, moving on all the time.
  const swapper = (
    await onHost(
      fleet,
      h,
      `cd ${dir}/z && { nohup sh -c 'i=0; n=0; while [ $n -lt 100000 ]; do j=$(( (i + 160) % 200 )); mkfifo .p$i 2>/dev/null; mv -f .p$i f$i; echo x > .r$j; mv -f .r$j f$j; i=$(( (i + 1) % 200 )); n=$((n + 1)); done' < /dev/null > /dev/null 2>&1 & echo $!; }`,
    )
  ).trim();
  try {
    const out = join(work, 'fifos');
    for (let round = 0; round < 3; round++) {
      const r = await lwt('get-all', ['-w', h, '--json', dir, out], { timeoutMs: 45_000 });
      assert.notEqual(r.signal, 'SIGKILL', `round ${round}: get-all hung (killed by the test after 45 s)`);
      const [line] = hostLines(r);
      assert.ok(line && ['exited', 'failed'].includes(line.outcome.kind), `round ${round}: ${r.stdout}${r.stderr}`);
      if (line.outcome.kind === 'failed') assert.match(line.stderr ?? '', /not a regular file|changed on the host|could not open it/, line.stderr);
    }
    // Else the rounds ran against a tree that no longer changed, and proved nothing.
    assert.ok(await okOnHost(fleet, h, `kill -0 ${swapper}`), 'the swapper was still running after the last round');
  } finally {
    await onHost(fleet, h, `kill ${swapper}`).catch(() => undefined);
  }
  assert.deepEqual(await settledSessions(h), [], 'no process of lwt (internal-sftp, perl, sh) left on the host');
});

test('item 4: a stream that stops sending ends at the idle deadline (--idle-timeout), its processes on the host killed', async () => {
  const h = hosts[1]!;
  const dir = `${ROOT}/stall`;
  await onHost(fleet, h, `mkdir -p ${dir} && head -c 400000000 /dev/zero > ${dir}/big`);
  try {
    let stopped = 0;
    const watch = (async () => {
      // Freeze the host's reader (perl, or dd on a host without perl) mid-file: from then on no byte comes.
      for (let i = 0; i < 600 && stopped === 0; i++) {
        for (const p of await fleet.sessionPids(h)) {
          const cmd = await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '');
          if (cmd.startsWith('perl\0-\0') || cmd.startsWith('dd\0')) {
            process.kill(p, 'SIGSTOP');
            stopped = p;
          }
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const r = await lwt('get-all', ['-w', h, '--json', '--idle-timeout', '2', dir, join(work, 'stall')], { timeoutMs: 90_000 });
    await watch;
    assert.ok(stopped > 0, 'the reader was caught mid-file');
    assert.notEqual(r.signal, 'SIGKILL', 'get-all ended by itself');
    const [line] = hostLines(r);
    assert.equal(line?.outcome.kind, 'timeout', r.stdout);
    assert.match(line!.stderr ?? '', /no byte from the host for 2 s \(--idle-timeout\)/);
    assert.ok(r.wallMs < 60_000, `${r.wallMs} ms`);
  } finally {
    await onHost(fleet, h, `rm -rf ${dir}`).catch(() => undefined);
  }
  assert.deepEqual(await settledSessions(h), [], 'the frozen reader and its shell were killed');
});

test('item 3: a folder swapped for a symlink to /etc during get-all never delivers /etc files, and modes are never looser than on the host', async () => {
  const h = hosts[1]!;
  const dir = `${ROOT}/race`;
  const names = ['passwd', 'group', 'hostname', 'os-release', 'shadow'];
  // a/ (800 files, fetched first) gives the swapper time between the listing and the reads of d/.
  await onHost(
    fleet,
    h,
    `mkdir -p ${dir}/a ${dir}/d && cd ${dir} && i=0; while [ $i -lt 800 ]; do echo a > a/f$i; i=$((i+1)); done; ` +
      `for n in ${names.join(' ')}; do echo mine-$n > d/$n; done; chmod 640 d/shadow; echo secret > private && chmod 600 private`,
  );
  const swapper = (
    await onHost(
      fleet,
      h,
      `cd ${dir} && { nohup sh -c 'n=0; while [ $n -lt 100000 ]; do mv d d.real && ln -s /etc d && rm d && mv d.real d; n=$((n + 1)); done' < /dev/null > /dev/null 2>&1 & echo $!; }`,
    )
  ).trim();
  const etc = new Map<string, Buffer>();
  for (const n of names) etc.set(n, await hostBytes(h, `cat /etc/${n} 2>/dev/null || true`));
  let fetchedFromD = 0;
  try {
    for (let round = 0; round < 6; round++) {
      const out = join(work, `race-${round}`);
      const r = await lwt('get-all', ['-w', h, '--json', dir, out], { timeoutMs: 60_000 });
      assert.notEqual(r.signal, 'SIGKILL', `round ${round}: get-all hung`);
      for (const sub of ['d', 'd.real']) {
        for (const n of names) {
          const got = await readFile(join(out, h, 'race', sub, n)).catch(() => undefined);
          if (!got) continue;
          fetchedFromD++;
          assert.notDeepEqual(got, etc.get(n), `round ${round}: ${sub}/${n} is the host's /etc/${n}`);
          assert.equal(got.toString(), `mine-${n}\n`, `round ${round}: ${sub}/${n}`);
        }
      }
    }
    // Else the rounds ran against a tree that no longer changed, and proved nothing.
    assert.ok(await okOnHost(fleet, h, `kill -0 ${swapper}`), 'the swapper was still running after the last round');
  } finally {
    await onHost(fleet, h, `kill ${swapper}`).catch(() => undefined);
  }
  assert.ok(fetchedFromD > 0, 'the real files of d/ were fetched in some rounds');
  // Modes: 0640 on the host (not world-readable) is 0600 here; 0600 stays 0600.
  await onHost(fleet, h, `sleep 0.2; cd ${dir} && { [ -d d ] || mv d.real d 2>/dev/null || true; }; [ -L d ] && rm d && mv d.real d; ls -la d`);
  const out = join(work, 'race-modes');
  const r = await lwt('get-all', ['-w', h, dir, out]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((await stat(join(out, h, 'race', 'd', 'shadow'))).mode & 0o7777, 0o600);
  assert.equal((await stat(join(out, h, 'race', 'private'))).mode & 0o7777, 0o600);
  assert.equal((await stat(join(out, h, 'race', 'd', 'passwd'))).mode & 0o7777, 0o644);
});
