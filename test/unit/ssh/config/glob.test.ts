import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { globPaths } from '../../../../src/ssh/config/glob.js';

let dir = '';
const names = ['a.conf', 'b.conf', 'c.txt', '.hidden.conf', 'x1', 'x2', 'x3', 'xa', '[', 'a*b', 'ab', '-', ']x', 'Zz'];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lwt-glob-'));
  for (const n of names) await writeFile(join(dir, n), '');
  await mkdir(join(dir, 'sub1'));
  await mkdir(join(dir, 'sub2'));
  await writeFile(join(dir, 'sub1', 'k.conf'), '');
  await writeFile(join(dir, 'sub2', 'k.conf'), '');
  await writeFile(join(dir, 'sub2', 'l.conf'), '');
});
after(() => rm(dir, { recursive: true, force: true }));

const g = async (pattern: string): Promise<string[]> => (await globPaths(join(dir, pattern))).map((p) => p.slice(dir.length + 1));

test('a pattern without magic is returned as it is, existing or not', async () => {
  assert.deepEqual(await globPaths('/no/such/file'), ['/no/such/file']);
});

test('* and ?: sorted matches, dot files only when the pattern starts with a dot', async () => {
  assert.deepEqual(await g('*.conf'), ['a.conf', 'b.conf']);
  assert.deepEqual(await g('.*.conf'), ['.hidden.conf']);
  assert.deepEqual(await g('x?'), ['x1', 'x2', 'x3', 'xa']);
  assert.deepEqual(await g('?'), ['-', '[']);
  assert.deepEqual(await g('a**'), ['a*b', 'a.conf', 'ab']);
  assert.deepEqual(await g('*'), [...names.filter((n) => !n.startsWith('.')), 'sub1', 'sub2'].sort());
  assert.deepEqual(await g('nothing*'), []);
});

test('classes: ranges, negation with ! or ^, a ] first is a member, an unclosed [ is literal', async () => {
  assert.deepEqual(await g('x[1-2]'), ['x1', 'x2']);
  assert.deepEqual(await g('x[13]'), ['x1', 'x3']);
  assert.deepEqual(await g('x[!1-2]'), ['x3', 'xa']);
  assert.deepEqual(await g('x[^a3]'), ['x1', 'x2']);
  assert.deepEqual(await g('[]]x'), [']x']);
  assert.deepEqual(await g('[a-]'), ['-']);
  assert.deepEqual(await g('[Y-Z]z'), ['Zz']);
  assert.deepEqual(await g('[[]'), ['[']);
  assert.deepEqual(await g('['), ['[']);
  assert.deepEqual(await g('x[\\1]'), ['x1']);
});

test('backslash escapes a magic character', async () => {
  assert.deepEqual(await g('a\\*b'), ['a*b']);
  assert.deepEqual(await g('a\\*'), []);
});

test('magic in folder names: every folder matched, unreadable ones skipped', async () => {
  assert.deepEqual(await g('sub*/k.conf'), ['sub1/k.conf', 'sub2/k.conf']);
  assert.deepEqual(await g('sub?/*.conf'), ['sub1/k.conf', 'sub2/k.conf', 'sub2/l.conf']);
  assert.deepEqual(await g('a.conf/*'), [], 'a file is no folder');
});

test('classes as fnmatch(3) reads them: a range covers what lies between its ends, ! negates, \\ escapes a ]', async () => {
  const own = await mkdtemp(join(tmpdir(), 'lwt-glob-class-'));
  try {
    for (const n of ['x!', 'x1', 'x2', 'x3', 'x]', 'xa', 'x\\']) await writeFile(join(own, n), '');
    const h = async (pattern: string): Promise<string[]> => (await globPaths(join(own, pattern))).map((p) => p.slice(own.length + 1));
    assert.deepEqual(await h('x[1-3]'), ['x1', 'x2', 'x3']);
    assert.deepEqual(await h('x[2-3]'), ['x2', 'x3']);
    assert.deepEqual(await h('x[!1-2]'), ['x!', 'x3', 'x\\', 'x]', 'xa']);
    assert.deepEqual(await h('x[\\]a]'), ['x]', 'xa']);
  } finally {
    await rm(own, { recursive: true, force: true });
  }
});

test('a range at the start of a segment; results sorted as whole paths (a-b/ before a/)', async () => {
  assert.deepEqual(await g('[w-y]1'), ['x1']);
  await mkdir(join(dir, 'sort', 'a'), { recursive: true });
  await mkdir(join(dir, 'sort', 'a-b'), { recursive: true });
  await writeFile(join(dir, 'sort', 'a', 'k'), '');
  await writeFile(join(dir, 'sort', 'a-b', 'k'), '');
  assert.deepEqual(await g('sort/*/k'), ['sort/a-b/k', 'sort/a/k']);
});

test('a backslash at the end of a pattern is itself, as ssh -G finds an Include of /dir/*\\', async () => {
  await writeFile(join(dir, 'tb\\'), '');
  assert.deepEqual(await g('t*\\'), ['tb\\']);
});
