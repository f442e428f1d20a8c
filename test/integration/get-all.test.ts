/**
 * lwt get-all against hosts with filesystems of their own: each host's tree lands in
 * LOCALDIR/<host>/ identical to what the host has, except symlinks that point outside,
 * which are refused and reported while everything else is fetched.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { runLwt, type LwtRun } from './helpers.js';
import { describeLocal, describeRemote, lines, onHost } from './transfer-helpers.js';

const ROOT = '/srv/lwt-host';
let fleet: Fleet;
let home: string;
let work: string;
let hosts: string[];

before(async () => {
  fleet = await startFleet({ good: 3, port: 2228, firstAddress: '127.0.6.1', privateRoot: ROOT });
  hosts = fleet.addresses('good');
  home = await mkdtemp(join(tmpdir(), 'lwt-home-'));
  work = await mkdtemp(join(tmpdir(), 'lwt-get-'));
  await runLwt(['init', home]);
  // Every host its own tree, with its name inside, a set-uid file, and two symlinks out.
  await Promise.all(
    hosts.map((h) =>
      onHost(
        fleet,
        h,
        [
          `cd ${ROOT} && mkdir -p tree/a/b tree/empty`,
          `echo ${h} > tree/name`,
          'echo deep > tree/a/b/deep',
          "printf '#!/bin/sh\\necho hi\\n' > tree/run.sh && chmod 755 tree/run.sh",
          "echo spaces > 'tree/with space'",
          'cp /bin/true tree/suid && chmod 4755 tree/suid',
          'ln -s a/b/deep tree/ok-link',
          'ln -s /etc/passwd tree/evil',
          'ln -s ../../../../etc tree/a/up',
          'touch -d @1600000000 tree/run.sh tree/a/b',
        ].join(' && '),
      ),
    ),
  );
});

after(async () => {
  await fleet?.stop();
  if (home) await rm(home, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

const lwt = (args: string[]): Promise<LwtRun> => runLwt(['--home', home, 'get-all', '-F', fleet.sshConfig, '-w', hosts.join(','), ...args]);
const byHost = (r: LwtRun): Map<string, Record<string, any>> =>
  new Map(r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((l) => l.host).map((l) => [l.host, l]));

/** What the host has, as it should arrive: no outward symlinks, no set-uid bit. */
async function expected(h: string): Promise<string[]> {
  const m = await describeRemote(fleet, h, `${ROOT}/tree`);
  m.delete('evil');
  m.delete('a/up');
  m.get('suid')!.mode = '755';
  return lines(m);
}

test('get-all fetches every host into LOCALDIR/<host>/, refusing symlinks that point outside and fetching everything else', async () => {
  const out = join(work, 'out');
  const r = await lwt(['--json', `${ROOT}/tree`, out]);
  assert.equal(r.status, 1, 'a refused name fails the host\'s transfer (status 1, as a failed command)');
  const res = byHost(r);
  for (const h of hosts) {
    const l = res.get(h)!;
    assert.equal(l.outcome.kind, 'failed', JSON.stringify(l));
    assert.match(l.stderr, /tree\/evil: symlink points to an absolute path \(\/etc\/passwd\), refused/);
    assert.match(l.stderr, /tree\/a\/up: symlink points outside \(\.\.\/\.\.\/\.\.\/\.\.\/etc\), refused/);
    assert.equal(l.filesReceived, 6);
    assert.deepEqual(lines(await describeLocal(join(out, h, 'tree'))), await expected(h), h);
    assert.equal((await readFile(join(out, h, 'tree', 'name'), 'utf8')).trim(), h);
    assert.equal(await readlink(join(out, h, 'tree', 'ok-link')), 'a/b/deep');
  }
  assert.deepEqual((await readdir(out)).sort(), [...hosts].sort());
  // A second run with --changed fetches nothing more.
  const again = await lwt(['--json', '--changed', `${ROOT}/tree`, out]);
  for (const l of byHost(again).values()) assert.deepEqual([l.filesReceived, l.bytesReceived], [0, 0]);
});

test('trailing slash: REMOTE/ lands as the contents of LOCALDIR/<host>/; a single file lands by its name; -L fetches what links point to', async () => {
  const out = join(work, 'contents');
  let r = await lwt([`${ROOT}/tree/`, out, '--exclude-path', 'evil', '--exclude-path', 'up']);
  assert.equal(r.status, 0, r.stderr);
  for (const h of hosts) assert.equal((await readFile(join(out, h, 'name'), 'utf8')).trim(), h);
  const one = join(work, 'one');
  r = await lwt([`${ROOT}/tree/name`, one]);
  assert.equal(r.status, 0, r.stderr);
  for (const h of hosts) assert.deepEqual(await readdir(join(one, h)), ['name']);
  const followed = join(work, 'followed');
  r = await lwt(['-L', `${ROOT}/tree/`, followed, '--exclude-path', 'up']);
  assert.equal(r.status, 0, r.stderr);
  const evil = await lstat(join(followed, hosts[0]!, 'evil'));
  assert.ok(evil.isFile(), 'with -L the link target comes as a plain file');
  assert.equal(await readFile(join(followed, hosts[0]!, 'evil'), 'utf8'), await onHost(fleet, hosts[0]!, 'cat /etc/passwd'));
});

test('a symlink planted in the local copy is replaced, never written through; --delete removes what the host no longer has', async () => {
  const out = join(work, 'planted');
  const victim = join(work, 'victim');
  await mkdir(victim);
  const h = hosts[1]!;
  await mkdir(join(out, h, 'tree'), { recursive: true });
  await symlink(victim, join(out, h, 'tree', 'a'));
  const r = await lwt(['--exclude-path', 'evil', '--exclude-path', 'up', `${ROOT}/tree`, out]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(await readdir(victim), [], 'nothing written through the planted link');
  assert.ok((await lstat(join(out, h, 'tree', 'a'))).isDirectory());
  assert.equal((await readFile(join(out, h, 'tree', 'a', 'b', 'deep'), 'utf8')).trim(), 'deep');

  await onHost(fleet, h, `rm ${ROOT}/tree/with\\ space`);
  const dry = await lwt(['--changed', '--delete', '--dry-run', '--exclude-path', 'evil', '--exclude-path', 'up', `${ROOT}/tree`, out]);
  // A dry run groups identical plans under their hosts (as -b): h's plan differs from the others'.
  assert.match(dry.stdout, new RegExp(`^${h.replace(/\./g, '\\.')} \\(1\\)\\n-+\\n(?:.*\\n)*?delete .*/tree/with space`, 'm'));
  assert.ok(await stat(join(out, h, 'tree', 'with space')), 'dry run deleted nothing');
  const del = await lwt(['--json', '--changed', '--delete', '--exclude-path', 'evil', '--exclude-path', 'up', `${ROOT}/tree`, out]);
  assert.equal(del.status, 0, del.stdout);
  assert.deepEqual([byHost(del).get(h)!.filesDeleted, byHost(del).get(hosts[0]!)!.filesDeleted], [1, 0]);
  assert.equal(await stat(join(out, h, 'tree', 'with space')).catch(() => undefined), undefined);
});

test('get-all: a missing REMOTE is that host\'s error; bad input is a usage error', async () => {
  const r = await lwt(['--json', `${ROOT}/nothing-here`, join(work, 'none')]);
  assert.equal(r.status, 1, 'a transfer that failed on its host, not an unreachable host');
  for (const l of byHost(r).values()) {
    assert.equal(l.outcome.kind, 'failed');
    assert.match(l.outcome.message, /nothing-here/);
  }
  const file = join(work, 'a-file');
  await (await import('node:fs/promises')).writeFile(file, 'x');
  const bad = await lwt([`${ROOT}/tree`, file]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^lwt: LOCALDIR .*a-file: not a folder$/m);
});

test('a host whose local folder cannot be made is local-error, exit 4; the other hosts are fetched', async () => {
  const into = join(work, 'blocked');
  await mkdir(into);
  const [blocked, fine] = hosts as [string, string];
  // A file where LOCALDIR/<host>/ should be: lwt cannot do its local part for that host.
  await (await import('node:fs/promises')).writeFile(join(into, blocked), 'in the way\n');
  const r = await runLwt(['--home', home, 'get-all', '-F', fleet.sshConfig, '-w', `${blocked},${fine}`, '--json', `${ROOT}/tree/name`, into]);
  assert.equal(r.status, 4, r.stderr);
  const res = byHost(r);
  assert.equal(res.get(blocked)!.outcome.kind, 'local-error', JSON.stringify(res.get(blocked)));
  assert.match(res.get(blocked)!.outcome.message, new RegExp(`${blocked.replace(/\./g, '\\.')}: not a folder`));
  assert.deepEqual(res.get(fine)!.outcome, { kind: 'exited', code: 0 });
  assert.equal(await readFile(join(into, fine, 'name'), 'utf8'), `${fine}\n`);
  assert.equal(await readFile(join(into, blocked), 'utf8'), 'in the way\n', 'the file in the way is left alone');
});

test('a host without perl gets the tree through the shell stream; a host with perl needs no dd (one process streams every file)', async () => {
  const [noPerl, noDd] = [hosts[0]!, hosts[1]!];
  // Each host has a mount namespace of its own: a file that cannot be run, mounted over a
  // program, takes it away on that host only.
  const hide = (p: string): string => `: > ${ROOT}/not-a-program && chmod 644 ${ROOT}/not-a-program && mount --bind ${ROOT}/not-a-program ${p} && ! ${p} --version 2>/dev/null`;
  await onHost(fleet, noPerl, hide('/usr/bin/perl'));
  await onHost(fleet, noDd, hide('/usr/bin/dd'));
  try {
    const out = join(work, 'no-perl');
    const r = await runLwt(['--home', home, 'get-all', '-F', fleet.sshConfig, '-w', `${noPerl},${noDd}`, '--exclude-path', 'evil', '--exclude-path', 'up', `${ROOT}/tree`, out]);
    assert.equal(r.status, 0, r.stderr);
    for (const h of [noPerl, noDd]) assert.deepEqual(lines(await describeLocal(join(out, h, 'tree'))), await expected(h), h);
  } finally {
    await onHost(fleet, noPerl, 'umount /usr/bin/perl');
    await onHost(fleet, noDd, 'umount /usr/bin/dd');
  }
  assert.match(await onHost(fleet, noPerl, 'perl -e "print 7*6"'), /^42$/, 'perl is back on the host');
});
