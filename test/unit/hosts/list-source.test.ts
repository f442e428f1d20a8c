import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatHostSpec } from '../../../src/hosts/host-spec.js';
import { displayPath, isFile, readGroup, readListArg, resolveListArg } from '../../../src/hosts/list-source.js';
import { usageError } from '../usage-error.js';

test('displayPath: relative inside the current folder, absolute elsewhere', () => {
  assert.equal(displayPath(join(process.cwd(), 'hosts', 'ok')), join('hosts', 'ok'));
  assert.equal(displayPath(process.cwd()), process.cwd());
  assert.equal(displayPath('/'), '/');
});

test('resolveListArg: paths as given, names under <home>/hosts first, then the current folder', async () => {
  const home = await mkdtemp(join(tmpdir(), 'lwt-ls-'));
  await mkdir(join(home, 'hosts', 'racks'), { recursive: true });
  await writeFile(join(home, 'hosts', 'web'), 'w1\n');
  await writeFile(join(home, 'hosts', 'racks', 'a'), 'r1\n');
  assert.deepEqual(await resolveListArg('/etc/x', home, '-H'), { path: '/etc/x', source: '/etc/x' });
  assert.deepEqual(await resolveListArg('./x', home, '-H'), { path: './x', source: './x' });
  assert.deepEqual(await resolveListArg('web', home, '-H'), { path: join(home, 'hosts', 'web'), source: displayPath(join(home, 'hosts', 'web')) });
  assert.deepEqual(await resolveListArg('racks/a', home, '-H'), { path: join(home, 'hosts', 'racks', 'a'), source: displayPath(join(home, 'hosts', 'racks', 'a')) });
  assert.deepEqual(await resolveListArg('no/such', home, '-H'), { path: 'no/such', source: 'no/such' }, 'a path with a slash is read, and its error names it');
  assert.deepEqual(await resolveListArg('package.json', home, '-H'), { path: 'package.json', source: 'package.json' });
  await assert.rejects(resolveListArg('', home, '-H'), usageError('-H: empty host list name'));
  await assert.rejects(resolveListArg('nope', home, '-w'), usageError(`-w 'nope': no host list ${displayPath(join(home, 'hosts', 'nope'))} and no file 'nope' here`));
  assert.equal(await isFile(join(home, 'hosts')), false, 'a folder is not a list');
  assert.equal(await isFile(join(home, 'hosts', 'web')), true);
  await rm(home, { recursive: true });
});

test('readListArg reads a list or an inventory; readGroup prefers inventories, else a list', async () => {
  const home = await mkdtemp(join(tmpdir(), 'lwt-ls-'));
  await mkdir(join(home, 'hosts'));
  await writeFile(join(home, 'hosts', 'web'), 'w[1-2]\n');
  await writeFile(join(home, 'hosts', 'inv'), '[db]\nd1\n[web]\nx9\n');
  const list = await readListArg('web', home, '-H');
  assert.equal(list.kind, 'list');
  assert.deepEqual(list.hosts.map(formatHostSpec), ['w1', 'w2']);
  const inv = await readListArg('inv', home, '-H');
  assert.equal(inv.kind, 'inventory');
  assert.deepEqual(inv.hosts.map(formatHostSpec), ['d1', 'x9']);
  const inventories = inv.kind === 'inventory' ? [inv.inventory] : [];
  assert.deepEqual((await readGroup('web', inventories, home, '-w')).map(formatHostSpec), ['x9'], 'the inventory group wins');
  assert.deepEqual((await readGroup('web', [], home, '-w')).map(formatHostSpec), ['w1', 'w2']);
  await assert.rejects(readGroup('cache', inventories, home, '-w'), usageError(/^-w @cache: no group 'cache' in .*inv, and -w 'cache': no host list/));
  await assert.rejects(readGroup('cache', [], home, '-w'), usageError(/^-w 'cache': no host list/));
  await assert.rejects(readListArg('/nonexistent/list', home, '-H'), usageError(/^cannot read host list \/nonexistent\/list: /));
  await rm(home, { recursive: true });
});

test('a group in none of several inventories names them all, comma-separated', async () => {
  const home = await mkdtemp(join(tmpdir(), 'lwt-ls-'));
  const inventories = [
    { source: 'one.ini', groups: new Map() },
    { source: 'two.yml', groups: new Map() },
  ];
  await assert.rejects(readGroup('cache', inventories, home, '-w'), usageError(/^-w @cache: no group 'cache' in one\.ini, two\.yml, and /));
  await rm(home, { recursive: true });
});
