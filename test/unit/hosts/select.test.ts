import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { usageError } from '../usage-error.js';
import { formatHostSpec } from '../../../src/hosts/host-spec.js';
import { selectHosts, type SelectOptions } from '../../../src/hosts/select.js';


// Run from an empty folder of our own: sources inside the current folder are shown
// relative to it, and a bare -H NAME may be a file here, so the launch folder must not matter.
const launchDir = process.cwd();
const workDir = await mkdtemp(join(tmpdir(), 'lwt-hosts-cwd-'));
process.chdir(workDir);
after(async () => {
  process.chdir(launchDir);
  await rm(workDir, { recursive: true, force: true });
});

/** A fresh lwt home with the given files under hosts/. */
async function makeHome(t: TestContext, lists: Record<string, string>): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'lwt-hosts-select-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  await mkdir(join(home, 'hosts'));
  for (const [name, text] of Object.entries(lists)) await writeFile(join(home, 'hosts', name), text);
  return home;
}

async function select(opts: SelectOptions): Promise<{ keys: string[]; source: string }> {
  const selection = await selectHosts(opts);
  return { keys: selection.hosts.map(formatHostSpec), source: selection.source };
}

test('without -H or -w, hosts/ok is used when it lists hosts', async (t) => {
  const home = await makeHome(t, { ok: 'web2\nweb1\n', candidates: 'web[1-3]\n' });
  assert.deepEqual(await select({ home }), { keys: ['web2', 'web1'], source: join(home, 'hosts', 'ok') });
});

test('an empty hosts/ok falls back to hosts/candidates and says so', async (t) => {
  const home = await makeHome(t, { ok: '# nothing answered yet\n', candidates: 'web[1-3]\n' });
  const ok = join(home, 'hosts', 'ok');
  const candidates = join(home, 'hosts', 'candidates');
  assert.deepEqual(await select({ home }), {
    keys: ['web1', 'web2', 'web3'],
    source: `${candidates} (${ok} is empty)`,
  });
});

test('without hosts/ok, hosts/candidates is used', async (t) => {
  const home = await makeHome(t, { candidates: 'db1\n' });
  assert.deepEqual(await select({ home }), { keys: ['db1'], source: join(home, 'hosts', 'candidates') });
});

test('sources inside the current folder are shown relative to it', async (t) => {
  const home = await makeHome(t, { ok: '', candidates: 'db1\n' });
  process.chdir(home);
  t.after(() => process.chdir(workDir));
  assert.equal((await selectHosts({ home })).source, 'hosts/candidates (hosts/ok is empty)');
  assert.equal((await selectHosts({ home, hostsArg: 'candidates' })).source, 'hosts/candidates');
});

test('with no list at all the error says how to get one', async (t) => {
  const home = await makeHome(t, {});
  const candidates = join(home, 'hosts', 'candidates');
  await assert.rejects(
    selectHosts({ home }),
    usageError(`no hosts: give -H or -w, or create ${candidates} (lwt init makes an example)`),
  );
  const bare = await mkdtemp(join(tmpdir(), 'lwt-hosts-bare-'));
  t.after(() => rm(bare, { recursive: true, force: true }));
  await assert.rejects(selectHosts({ home: bare }), usageError(/^no hosts: give -H or -w, or create .*hosts\/candidates/));
});

test('an empty candidates list is an error, not a silent no-op run', async (t) => {
  const home = await makeHome(t, { candidates: '# none\n' });
  await assert.rejects(selectHosts({ home }), usageError(`no hosts: ${join(home, 'hosts', 'candidates')} lists none`));
});

test('a bad line in a default list names the file and line', async (t) => {
  const home = await makeHome(t, { candidates: 'web1\nweb[3-1]\n' });
  await assert.rejects(
    selectHosts({ home }),
    usageError(`${join(home, 'hosts', 'candidates')}:2: bad range 'web[3-1]': start after end`),
  );
});

test('-H NAME reads <home>/hosts/NAME; -H PATH reads the file', async (t) => {
  const home = await makeHome(t, { ok: 'ignored\n', rack2: 'r2n[1-2]\n' });
  assert.deepEqual(await select({ home, hostsArg: 'rack2' }), { keys: ['r2n1', 'r2n2'], source: join(home, 'hosts', 'rack2') });
  const file = join(home, 'elsewhere.txt');
  await writeFile(file, 'x1\n');
  assert.deepEqual(await select({ home, hostsArg: file }), { keys: ['x1'], source: file });
});

test('a bare -H NAME falls back to a file in the current folder; the home list wins', async (t) => {
  const home = await makeHome(t, { rack2: 'fromhome\n' });
  await writeFile(join(workDir, 'local'), 'fromcwd\n');
  await writeFile(join(workDir, 'rack2'), 'shadowed\n');
  t.after(() => Promise.all([rm(join(workDir, 'local')), rm(join(workDir, 'rack2'))]));
  assert.deepEqual(await select({ home, hostsArg: 'local' }), { keys: ['fromcwd'], source: 'local' });
  assert.deepEqual(await select({ home, hostsArg: './rack2' }), { keys: ['shadowed'], source: './rack2' });
  assert.deepEqual((await select({ home, hostsArg: 'rack2' })).keys, ['fromhome']);
});

test('-H errors name the argument', async (t) => {
  const home = await makeHome(t, {});
  await assert.rejects(
    selectHosts({ home, hostsArg: 'nope' }),
    usageError(`-H 'nope': no host list ${join(home, 'hosts', 'nope')} and no file 'nope' here`),
  );
  const missing = join(home, 'missing.txt');
  await assert.rejects(selectHosts({ home, hostsArg: missing }), usageError(`cannot read host list ${missing}: no such file`));
  await assert.rejects(selectHosts({ home, hostsArg: '' }), usageError('-H: empty host list name'));
});

test('-H and -w together give the union, -H first, without repeats', async (t) => {
  const home = await makeHome(t, { ok: 'fromok\n', rack: 'a\nb\n' });
  assert.deepEqual(await select({ home, hostsArg: 'rack', targets: ['b,c', 'a,d[1-2]'] }), {
    keys: ['a', 'b', 'c', 'd1', 'd2'],
    source: `${join(home, 'hosts', 'rack')} + -w`,
  });
});

test('-w alone replaces the default lists', async (t) => {
  const home = await makeHome(t, { ok: 'fromok\n' });
  assert.deepEqual(await select({ home, targets: ['x[1-2]'] }), { keys: ['x1', 'x2'], source: '-w' });
  await assert.rejects(selectHosts({ home, targets: ['x[2-1]'] }), usageError("-w: bad range 'x[2-1]': start after end"));
  await assert.rejects(selectHosts({ home, targets: ['  '] }), usageError('no hosts: -w lists none'));
  await assert.rejects(selectHosts({ home, targets: [' , '] }), usageError("-w: bad host list ' , ': empty item before the first ','"));
});

test('-x removes by host name, whatever the user and port', async (t) => {
  const home = await makeHome(t, { candidates: 'root@web1:2222\nadmin@web1\nweb2\nnode[1-5]\n' });
  assert.deepEqual((await select({ home, exclude: ['web1', 'node[2-4]'] })).keys, ['web2', 'node1', 'node5']);
  assert.deepEqual((await select({ home, exclude: ['WEB2'] })).keys, ['root@web1:2222', 'admin@web1', 'node1', 'node2', 'node3', 'node4', 'node5']);
});

test('-x with a user or port removes only hosts that match those too', async (t) => {
  const home = await makeHome(t, { candidates: 'root@web1:2222\nadmin@web1\nweb1:22\n' });
  assert.deepEqual((await select({ home, exclude: ['root@web1'] })).keys, ['admin@web1', 'web1:22']);
  assert.deepEqual((await select({ home, exclude: ['web1:22'] })).keys, ['root@web1:2222', 'admin@web1']);
  assert.deepEqual((await select({ home, exclude: ['admin@web1:2222'] })).keys, ['root@web1:2222', 'admin@web1', 'web1:22']);
});

test('-x @LIST reads hosts to exclude from a list, resolved like -H', async (t) => {
  const home = await makeHome(t, { candidates: 'n[1-6]\n', failed: '# last run\nn2\nn[4-5]\n' });
  assert.deepEqual((await select({ home, exclude: ['@failed'] })).keys, ['n1', 'n3', 'n6']);
  const file = join(home, 'skip.txt');
  await writeFile(file, 'n1\n');
  assert.deepEqual((await select({ home, exclude: [`@${file}`, 'n6'] })).keys, ['n2', 'n3', 'n4', 'n5']);
  await assert.rejects(
    selectHosts({ home, exclude: ['@nope'] }),
    usageError(`-x 'nope': no host list ${join(home, 'hosts', 'nope')} and no file 'nope' here`),
  );
  await writeFile(file, 'n[9-8]\n');
  await assert.rejects(selectHosts({ home, exclude: [`@${file}`] }), usageError(`${file}:1: bad range 'n[9-8]': start after end`));
  await assert.rejects(selectHosts({ home, exclude: ['n['] }), usageError("-x: bad range 'n[': '[' without ']'"));
});

test('excluding every host is an error', async (t) => {
  const home = await makeHome(t, { candidates: 'n[1-3]\n' });
  await assert.rejects(
    selectHosts({ home, exclude: ['n[1-2]', 'n3'] }),
    usageError(`no hosts left: -x excludes all 3 of ${join(home, 'hosts', 'candidates')}`),
  );
});

test('-H A -H B gives the union of both lists, in order, without repeats', async (t) => {
  const home = await makeHome(t, { a: 'n1\nn2\n', b: 'n2\nn3\n' });
  assert.deepEqual(await select({ home, hostsArg: ['a', 'b'] }), {
    keys: ['n1', 'n2', 'n3'],
    source: `${join(home, 'hosts', 'a')} + ${join(home, 'hosts', 'b')}`,
  });
});

test('-H racks/a reads <home>/hosts/racks/a, from any folder', async (t) => {
  const home = await makeHome(t, {});
  await mkdir(join(home, 'hosts', 'racks'));
  await writeFile(join(home, 'hosts', 'racks', 'a'), 'ra[1-2]\n');
  assert.deepEqual((await select({ home, hostsArg: 'racks/a' })).keys, ['ra1', 'ra2']);
  await assert.rejects(selectHosts({ home, hostsArg: 'racks/zz' }), usageError('cannot read host list racks/zz: no such file'));
});

test('-w ^FILE reads a host list (pdsh), inline items alongside', async (t) => {
  const home = await makeHome(t, { web: 'w[1-2]\n' });
  const file = join(home, 'list.txt');
  await writeFile(file, 'f1\n# c\nf2\n');
  assert.deepEqual((await select({ home, targets: [`^${file},x1`] })).keys, ['f1', 'f2', 'x1']);
  assert.deepEqual((await select({ home, targets: ['^web'] })).keys, ['w1', 'w2']);
  assert.deepEqual((await select({ home, targets: ['w[1-3]'], exclude: [`^${file}`, 'w2'] })).keys, ['w1', 'w3']);
});

test('-w @GROUP and -x @GROUP read <home>/hosts/GROUP (clush groups)', async (t) => {
  const home = await makeHome(t, { web: 'w[1-3]\n', db: 'd1\n' });
  assert.deepEqual((await select({ home, targets: ['@web,@db'], exclude: ['w2'] })).keys, ['w1', 'w3', 'd1']);
  assert.deepEqual((await select({ home, targets: ['@web'], exclude: ['@db,w1'] })).keys, ['w2', 'w3']);
  await assert.rejects(
    selectHosts({ home, targets: ['@nope'] }),
    usageError(`-w 'nope': no host list ${join(home, 'hosts', 'nope')} and no file 'nope' here`),
  );
});

test('an Ansible INI inventory with -H: all its hosts, or its groups with @GROUP', async (t) => {
  const home = await makeHome(t, {
    'inventory.ini': [
      'bastion.example.com',
      '[web]',
      'www[01:03].example.com',
      'alias ansible_host=10.0.0.9 ansible_port=2222 ansible_user=deploy',
      '[db]',
      'db1 ; comment',
      '[db:vars]',
      'x=1',
      '[prod:children]',
      'web',
      'db',
    ].join('\n'),
  });
  assert.deepEqual((await select({ home, hostsArg: 'inventory.ini' })).keys, [
    'bastion.example.com',
    'www01.example.com',
    'www02.example.com',
    'www03.example.com',
    'deploy@10.0.0.9:2222',
    'db1',
  ]);
  assert.deepEqual(await select({ home, hostsArg: 'inventory.ini', targets: ['@db'] }), { keys: ['db1'], source: '-w' });
  assert.deepEqual((await select({ home, hostsArg: 'inventory.ini', targets: ['@prod'], exclude: ['@web'] })).keys, ['db1']);
  await assert.rejects(
    selectHosts({ home, hostsArg: 'inventory.ini', targets: ['@cache'] }),
    usageError(new RegExp(`^-w @cache: no group 'cache' in ${join(home, 'hosts', 'inventory.ini').replace(/[.]/g, '\\.')}, and -w 'cache': no host list`)),
  );
});

test('an Ansible YAML inventory with -H: groups and children', async (t) => {
  const home = await makeHome(t, {
    'hosts.yml': [
      'all:',
      '  hosts:',
      '    mail.example.com:',
      '  children:',
      '    web:',
      '      hosts:',
      '        web[1:2]:',
      '        special:',
      '          ansible_host: 10.1.1.1',
      '          ansible_port: 2200',
      '    db:',
      '      hosts:',
      '        db1:',
    ].join('\n'),
  });
  assert.deepEqual((await select({ home, hostsArg: 'hosts.yml' })).keys, ['mail.example.com', 'web1', 'web2', '10.1.1.1:2200', 'db1']);
  assert.deepEqual((await select({ home, hostsArg: 'hosts.yml', targets: ['@web'] })).keys, ['web1', 'web2', '10.1.1.1:2200']);
});

test('-x patterns naming one host with different users and ports each remove their own hosts', async (t) => {
  const home = await makeHome(t, {});
  const targets = ['root@web1,web1:2222,web1,admin@web1'];
  assert.deepEqual((await select({ home, targets, exclude: ['root@web1,web1:2222'] })).keys, ['web1', 'admin@web1']);
});

test('an inventory with -w groups: only groups drop the whole inventory, and only its own groups', async (t) => {
  const home = await makeHome(t, {
    'a.ini': ['a0', '[web]', 'a1'].join('\n'),
    'b.ini': ['b0', '[db]', 'b1'].join('\n'),
    plain: 'p1\n',
    rack: 'r1\n',
  });
  // A plain -w item is added to the whole inventory.
  assert.deepEqual((await select({ home, hostsArg: 'a.ini', targets: ['x1'] })).keys, ['a0', 'a1', 'x1']);
  // @web is a group of a.ini only: both inventories stand for their groups, not all their hosts.
  assert.deepEqual((await select({ home, hostsArg: ['a.ini', 'b.ini'], targets: ['@web'] })).keys, ['a1']);
  // A plain list given with -H stays whole beside an inventory's group.
  assert.deepEqual((await select({ home, hostsArg: ['plain', 'a.ini'], targets: ['@web'] })).keys, ['p1', 'a1']);
  // With no inventory, @NAME is a list under <home>/hosts, beside a plain -H list.
  assert.deepEqual((await select({ home, hostsArg: 'plain', targets: ['@rack'] })).keys, ['p1', 'r1']);
});
