import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  depthOf,
  joinRemote,
  linkEscapes,
  normalizeRemote,
  parentOf,
  remoteOperand,
  sourceIsContents,
  sourceName,
  treeRoot,
  unsafeRelative,
} from '../../../src/transfer/paths.js';
import { confineEntries } from '../../../src/commands/get-all.js';
import type { Entry } from '../../../src/transfer/entry.js';
import { usageError } from '../usage-error.js';

test('names a hostile server could send are refused; plain relative names pass', () => {
  for (const ok of ['', 'a', 'a/b', 'with space', 'a/.hidden', '..a', 'a..', '...', 'a/b c/d', 'ü/名前']) {
    assert.equal(unsafeRelative(ok), undefined, ok);
  }
  const bad: Array<[string, RegExp]> = [
    ['..', /'\.\.'/],
    ['../etc/passwd', /'\.\.'/],
    ['a/../../x', /'\.\.'/],
    ['a/..', /'\.\.'/],
    ['/etc/passwd', /absolute/],
    ['/', /absolute/],
    ['a//b', /empty component/],
    ['a/', /empty component/],
    ['./a', /'\.'/],
    ['a/./b', /'\.'/],
    ['a\0b', /NUL/],
  ];
  for (const [name, why] of bad) assert.match(unsafeRelative(name) ?? '', why, JSON.stringify(name));
});

test('a listing that names files outside its root never gets them fetched', () => {
  const e = (rel: string, type: Entry['type'] = 'f', target?: string): Entry => ({ rel, type, mode: 0o644, size: 1, mtime: 1, ...(target ? { target } : {}) });
  const { kept, refused } = confineEntries(
    [
      e('', 'd'),
      e('ok'),
      e('dir', 'd'),
      e('dir/in'),
      e('link', 'l', '/etc'),
      e('link/passwd'), // below a symlink: would be written through it
      e('ghost/x'), // parent never listed
      e('up', 'l', '../../../root'),
      e('sib', 'l', 'dir/in'),
      e('dir/back', 'l', '../ok'),
    ],
    '',
  );
  assert.deepEqual(kept.map((x) => x.rel), ['', 'dir', 'dir/back', 'dir/in', 'ok', 'sib']);
  assert.equal(refused.length, 4);
  assert.match(refused.join('\n'), /link: symlink points to an absolute path/);
  assert.match(refused.join('\n'), /link\/passwd: its parent is not a folder/);
  assert.match(refused.join('\n'), /ghost\/x: its parent is not a folder/);
  assert.match(refused.join('\n'), /up: symlink points outside/);
});

test('symlink targets are judged from where the link lands below the host folder', () => {
  const none = (): boolean => false;
  assert.equal(linkEscapes('a', 'b', none), undefined);
  assert.equal(linkEscapes('d/a', '../b', none), undefined);
  assert.equal(linkEscapes('d/a', '../../b', none)?.includes('outside'), true);
  assert.equal(linkEscapes('a', '..', none)?.includes('outside'), true);
  assert.equal(linkEscapes('a', '/etc/passwd', none)?.includes('absolute'), true);
  assert.equal(linkEscapes('a', 'x/../../y', none)?.includes('outside'), true);
  assert.equal(linkEscapes('a', './b/./c', none), undefined);
  assert.equal(linkEscapes('a', '', none)?.includes('empty'), true);
  // name/… as the fetched folder's prefix: name/x -> ../y stays in the host folder.
  assert.equal(linkEscapes('name/x', '../y', none), undefined);
  // `..` after another symlink: its real parent is not its lexical parent.
  const links = new Set(['x/a']);
  assert.equal(linkEscapes('c', 'x/a/../..', (p) => links.has(p))?.includes('another symlink'), true);
  assert.equal(linkEscapes('c', 'x/a/b/..', (p) => links.has(p))?.includes('another symlink'), true);
  assert.equal(linkEscapes('c', 'x/a/file', (p) => links.has(p)), undefined);
});

test('remote paths are spelled once; the trailing slash is remembered', () => {
  assert.deepEqual(normalizeRemote('/srv/www/', 'DEST'), { path: '/srv/www', trailingSlash: true });
  assert.deepEqual(normalizeRemote('/srv//www', 'DEST'), { path: '/srv/www', trailingSlash: false });
  assert.deepEqual(normalizeRemote('/srv/./www/.', 'DEST'), { path: '/srv/www', trailingSlash: true });
  assert.deepEqual(normalizeRemote('/', 'DEST'), { path: '/', trailingSlash: true });
  assert.deepEqual(normalizeRemote('~', 'DEST'), { path: '.', trailingSlash: true });
  assert.deepEqual(normalizeRemote('~/app', 'DEST'), { path: 'app', trailingSlash: false });
  assert.deepEqual(normalizeRemote('app/', 'DEST'), { path: 'app', trailingSlash: true });
  assert.deepEqual(normalizeRemote('.', 'DEST'), { path: '.', trailingSlash: true });
  assert.deepEqual(normalizeRemote('../x', 'DEST'), { path: '../x', trailingSlash: false });
  // A leading '-' would make the remote find/mkdir/sha256sum read the path as an option.
  assert.deepEqual(normalizeRemote('-delete', 'DEST'), { path: './-delete', trailingSlash: false });
  assert.deepEqual(normalizeRemote('-delete/', 'DEST'), { path: './-delete', trailingSlash: true });
  assert.deepEqual(normalizeRemote('./-x/y', 'DEST'), { path: './-x/y', trailingSlash: false });
  assert.deepEqual(normalizeRemote('~/-x', 'DEST'), { path: './-x', trailingSlash: false });
  assert.deepEqual(normalizeRemote('/-x', 'DEST'), { path: '/-x', trailingSlash: false });
  assert.throws(() => normalizeRemote('', 'DEST'), usageError('DEST is empty (use . for the remote home folder)'));
  assert.throws(() => normalizeRemote('~bob/x', 'DEST'), usageError(/~user is not supported/));
});

test("rsync's trailing-slash rule: dir/ is the contents, dir is the folder itself", () => {
  assert.equal(sourceIsContents('site/'), true);
  assert.equal(sourceIsContents('site'), false);
  assert.equal(sourceIsContents('.'), true);
  assert.equal(sourceIsContents('..'), true);
  assert.equal(sourceIsContents('a/.'), true);
  assert.equal(sourceIsContents('/'), true);
  assert.equal(sourceIsContents('.hidden'), false);
  assert.equal(sourceName('/x/site/'), 'site');
  assert.equal(sourceName('site'), 'site');
  assert.equal(treeRoot('/srv/www', 'site', true), '/srv/www');
  assert.equal(treeRoot('/srv/www', 'site', false), '/srv/www/site');
  assert.equal(treeRoot('/', 'site', false), '/site');
  assert.equal(treeRoot('.', 'site', false), './site');
  assert.equal(treeRoot('dest', '', false), 'dest');
});

test('relative names: parent, depth, join', () => {
  assert.equal(parentOf('a/b/c'), 'a/b');
  assert.equal(parentOf('a'), '');
  assert.equal(depthOf(''), 0);
  assert.equal(depthOf('a'), 1);
  assert.equal(depthOf('a/b/c'), 3);
  assert.equal(joinRemote('/', 'a'), '/a');
  assert.equal(joinRemote('/srv', 'a/b'), '/srv/a/b');
  assert.equal(joinRemote('/srv', ''), '/srv');
});


test('unsafeRelative: every unsafe form with its reason; names that only look alike are safe', () => {
  const cases: Array<[string, string | undefined]> = [
    ['.', "has a '.' component"],
    ['..', "has a '..' component"],
    ['./a', "has a '.' component"],
    ['../a', "has a '..' component"],
    ['a/.', "has a '.' component"],
    ['a/..', "has a '..' component"],
    ['a/./b', "has a '.' component"],
    ['a/../b', "has a '..' component"],
    ['/a', 'is absolute'],
    ['a//b', 'has an empty component'],
    ['a/', 'has an empty component'],
    ['a\0b', 'contains a NUL byte'],
    ['/a\0', 'contains a NUL byte'],
    ['', undefined],
    ['.a', undefined],
    ['..a', undefined],
    ['a.', undefined],
    ['a/.b', undefined],
    ['a/..b', undefined],
    ['a/b.', undefined],
    ['...', undefined],
    ['a/b', undefined],
  ];
  assert.deepEqual(cases.map(([rel]) => [rel, unsafeRelative(rel)]), cases);
});

test('normalizeRemote: the home, repeated slashes, dots, options spelled as paths, and its refusals', () => {
  const cases: Array<[string, { path: string; trailingSlash: boolean }]> = [
    ['~', { path: '.', trailingSlash: true }],
    ['~/', { path: '.', trailingSlash: true }],
    ['~/x/', { path: 'x', trailingSlash: true }],
    ['/a//b/./c/', { path: '/a/b/c', trailingSlash: true }],
    ['a/..', { path: 'a/..', trailingSlash: true }],
    ['-x', { path: './-x', trailingSlash: false }],
    ['.', { path: '.', trailingSlash: true }],
    ['//', { path: '/', trailingSlash: true }],
    ['a/.', { path: 'a', trailingSlash: true }],
    ['a/b', { path: 'a/b', trailingSlash: false }],
  ];
  assert.deepEqual(cases.map(([p]) => [p, normalizeRemote(p, 'DEST')]), cases);
  assert.throws(() => normalizeRemote('', 'DEST'), usageError('DEST is empty (use . for the remote home folder)'));
  assert.throws(() => normalizeRemote('a\0', 'REMOTE'), usageError('REMOTE contains a NUL byte'));
  assert.throws(() => normalizeRemote('~bob/x', 'DEST'), usageError('DEST ~bob/x: ~user is not supported (give the path)'));
  assert.equal(remoteOperand('x'), 'x');
  assert.throws(() => remoteOperand('-x'), { message: 'internal: remote path "-x" would be read as an option' });
  assert.throws(() => remoteOperand(''), { message: 'internal: remote path "" would be read as an option' });
  assert.equal(treeRoot('/d', '.', false), '/d');
  assert.equal(treeRoot('/d', '..', false), '/d');
  assert.equal(sourceIsContents('a/..'), true);
  assert.equal(sourceIsContents('a..'), false);
  assert.equal(sourceName('/'), '');
});

test("linkEscapes: '.' and empty components climb nothing, a NUL in the target is refused", () => {
  const none = (): boolean => false;
  assert.equal(linkEscapes('l', './..', none), 'points outside (./..)');
  assert.equal(linkEscapes('d/l', '..//..', none), 'points outside (..//..)');
  assert.equal(linkEscapes('d/l', '.././..', none), 'points outside (.././..)');
  assert.equal(linkEscapes('d/l', 'a\0b', none), 'target contains a NUL byte');
});

test('sourceName: only the trailing slashes go, the inner ones still separate', () => {
  assert.deepEqual(['a/b/', 'a//b', 'a/b//', '/', 'dir'].map(sourceName), ['b', 'b', 'b', '', 'dir']);
});
