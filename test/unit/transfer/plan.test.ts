import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Entry } from '../../../src/transfer/entry.js';
import { compileExcludes } from '../../../src/transfer/exclude.js';
import { describePlan, planCounts, planTransfer, type PlanOptions } from '../../../src/transfer/plan.js';

const f = (rel: string, size = 10, mtime = 1000, extra: Partial<Entry> = {}): Entry => ({ rel, type: 'f', mode: 0o644, size, mtime, ...extra });
const d = (rel: string, mtime = 1000, mode = 0o755): Entry => ({ rel, type: 'd', mode, size: 0, mtime });
const l = (rel: string, target: string, mtime = 1000): Entry => ({ rel, type: 'l', mode: 0o777, size: 0, mtime, target });
const all: PlanOptions = { changed: false, checksum: false, delete: false };
const changed: PlanOptions = { changed: true, checksum: false, delete: false };
const rels = (es: readonly Entry[]): string[] => es.map((e) => e.rel);

const tree = [d(''), d('a'), d('a/b'), d('empty'), f('a/b/deep'), f('a/with space'), f('run.sh', 20, 1000, { mode: 0o755 }), l('link', 'a/b/deep')];

test('to an empty host: every folder made parents first, every file and link sent, folders finished last', () => {
  const p = planTransfer(tree, [], [], all);
  assert.deepEqual(rels(p.mkdirs), ['', 'a', 'a/b', 'empty']);
  assert.deepEqual(rels(p.files), ['a/b/deep', 'a/with space', 'run.sh']);
  assert.deepEqual(rels(p.links), ['link']);
  assert.deepEqual(rels(p.dirAttrs), ['', 'a', 'a/b', 'empty']);
  assert.deepEqual(p.deletes, []);
  assert.deepEqual(planCounts(p), { files: 4, bytes: 40, deletes: 0 });
});

test('without --changed everything is sent again; with it, nothing when both sides agree', () => {
  assert.equal(planTransfer(tree, tree, [], all).files.length, 3);
  const p = planTransfer(tree, tree, [], changed);
  assert.deepEqual([p.files, p.links, p.mkdirs, p.dirAttrs, p.fileAttrs, p.deletes], [[], [], [], [], [], []]);
  assert.equal(p.unchanged, tree.length);
});

test('--changed: size or mtime (whole seconds) decide; the folder written into gets its mtime back', () => {
  const there = tree.map((e) => (e.rel === 'a/b/deep' ? f('a/b/deep', 10, 999) : e.rel === 'run.sh' ? f('run.sh', 21, 1000, { mode: 0o755 }) : e));
  const p = planTransfer(tree, there, [], changed);
  assert.deepEqual(rels(p.files), ['a/b/deep', 'run.sh']);
  assert.deepEqual(rels(p.dirAttrs), ['', 'a/b']);
  // 1000.9 locally is 1000 remotely (SFTP carries seconds): the same.
  const frac = planTransfer([f('x', 10, 1000.9)], [f('x', 10, 1000)], [], changed);
  assert.equal(frac.files.length, 0);
});

test('--changed: same content but another mode is fixed without sending', () => {
  const p = planTransfer([f('x', 10, 1000, { mode: 0o600 })], [f('x')], [], changed);
  assert.deepEqual(rels(p.fileAttrs), ['x']);
  assert.deepEqual(p.files, []);
});

test('--checksum: SHA-256 decides, mtime alone only gets fixed', () => {
  const opts = { ...changed, checksum: true };
  const same = planTransfer([f('x', 10, 2000, { sha256: 'aa' })], [f('x', 10, 1000, { sha256: 'aa' })], [], opts);
  assert.deepEqual([rels(same.files), rels(same.fileAttrs)], [[], ['x']]);
  const differ = planTransfer([f('x', 10, 1000, { sha256: 'aa' })], [f('x', 10, 1000, { sha256: 'bb' })], [], opts);
  assert.deepEqual(rels(differ.files), ['x']);
  const unknown = planTransfer([f('x', 10, 1000)], [f('x', 10, 1000)], [], opts);
  assert.deepEqual(rels(unknown.files), ['x'], 'no hash on one side: sent');
});

test('symlinks: recreated when the target text differs', () => {
  const p = planTransfer([l('link', 'new')], [l('link', 'old')], [], changed);
  assert.deepEqual(rels(p.links), ['link']);
  assert.equal(planTransfer([l('link', 'same')], [l('link', 'same')], [], changed).links.length, 0);
  // A file where a link should be, and the other way round: replaced by the rename.
  assert.deepEqual(rels(planTransfer([l('x', 't')], [f('x')], [], changed).links), ['x']);
  assert.deepEqual(rels(planTransfer([f('x')], [l('x', 't')], [], changed).files), ['x']);
});

test('--delete removes what the source lacks, deepest first, never the root', () => {
  const there = [...tree, d('old'), d('old/sub'), f('old/sub/x'), f('old/y'), f('stale')];
  const p = planTransfer(tree, there, [], { ...changed, delete: true });
  assert.deepEqual(rels(p.deletes), ['old/sub/x', 'old/sub', 'old/y', 'old', 'stale']);
  assert.deepEqual(rels(p.dirAttrs), ['']);
  assert.equal(planTransfer(tree, there, [], changed).deletes.length, 0, 'nothing deleted without --delete');
});

test('a folder in the way of a file: replaced with --delete, a conflict without', () => {
  const there = [d(''), d('x'), f('x/inner')];
  const without = planTransfer([d(''), f('x')], there, [], changed);
  assert.deepEqual(without.files, []);
  assert.match(without.conflicts[0] ?? '', /x: a folder is in the way of a file \(use --delete/);
  const withDelete = planTransfer([d(''), f('x')], there, [], { ...changed, delete: true });
  assert.deepEqual(rels(withDelete.deletes), ['x/inner', 'x']);
  assert.deepEqual(rels(withDelete.files), ['x']);
});

test('a file in the way of a folder is removed; a file where the root folder should be is a conflict', () => {
  const p = planTransfer([d(''), d('x'), f('x/in')], [d(''), f('x')], [], changed);
  assert.deepEqual(rels(p.deletes), ['x']);
  assert.deepEqual(rels(p.mkdirs), ['x']);
  assert.deepEqual(rels(p.files), ['x/in']);
  const root = planTransfer([d(''), f('a')], [f('')], [], changed);
  assert.match(root.conflicts[0] ?? '', /destination is a file, not a folder/);
  assert.deepEqual([root.mkdirs, root.files, root.deletes], [[], [], []]);
});

test('excluded paths are neither sent nor deleted, on either side', () => {
  const excluder = compileExcludes(['*.log', 'cache/']);
  const src = [d(''), f('a.log'), f('keep'), d('cache'), f('cache/x')];
  const dst = [d(''), f('b.log'), d('cache'), f('cache/y'), f('gone')];
  const p = planTransfer(src, dst, [], { ...changed, delete: true, excluder });
  assert.deepEqual(rels(p.files), ['keep']);
  assert.deepEqual(rels(p.deletes), ['gone']);
});

test('leftover temporary files are removed first and their folder finished again', () => {
  const p = planTransfer(tree, tree, ['a/.lwt-tmp-0123abcd-0'], changed);
  assert.deepEqual(p.removeTemps, ['a/.lwt-tmp-0123abcd-0']);
  assert.deepEqual(rels(p.dirAttrs), ['a']);
});

test('touching 10 of 1000 files sends exactly those 10', () => {
  const src: Entry[] = [d('')];
  for (let i = 0; i < 1000; i++) src.push(f(`f${String(i).padStart(4, '0')}`, 100, 5000));
  const dst = src.map((e, i) => (i > 0 && i % 100 === 0 ? { ...e, mtime: 4000 } : e));
  const p = planTransfer(src, dst, [], changed);
  assert.equal(p.files.length, 10);
  assert.deepEqual(planCounts(p), { files: 10, bytes: 1000, deletes: 0 });
});

test('the dry-run text names every action', () => {
  const p = planTransfer([d(''), f('new', 5), l('l', 't')], [d(''), f('old')], ['.lwt-tmp-0123abcd-9'], { ...changed, delete: true });
  assert.deepEqual(describePlan(p, (r) => `/D/${r}`), [
    'remove leftover /D/.lwt-tmp-0123abcd-9',
    'delete /D/old',
    'send /D/new (5 bytes)',
    'link /D/l -> t',
  ]);
});

test('the dry-run text: a deleted folder ends in /, new folders, mode fixes, a link without target, conflicts; fetch wording', () => {
  const src = [d(''), d('newdir'), f('same', 10, 1000, { mode: 0o600 }), f('got', 3)];
  const dst = [d(''), d('gone'), f('gone/x'), f('same', 10, 1000)];
  const p = planTransfer(src, dst, [], { ...changed, delete: true });
  p.links.push({ rel: 'bare', type: 'l', mode: 0o777, size: 0, mtime: 1000 });
  p.conflicts.push('something');
  assert.deepEqual(describePlan(p, (r) => `/D/${r}`, 'fetch'), [
    'delete /D/gone/x',
    'delete /D/gone/',
    'mkdir /D/newdir/',
    'fetch /D/got (3 bytes)',
    'link /D/bare -> ',
    'set mode/mtime /D/same',
    'cannot: something',
  ]);
});

test('conflicts name what is in the way: a symlink as the root, a folder where a symlink goes', () => {
  assert.deepEqual(planTransfer([d(''), f('a')], [l('', 'x')], [], changed).conflicts, ['the destination is a symlink, not a folder']);
  const p = planTransfer([d(''), l('x', 't')], [d(''), d('x')], [], changed);
  assert.match(p.conflicts[0] ?? '', /^x: a folder is in the way of a symlink \(use --delete/);
});

test('a folder-only exclude (logs/) passes a file of that name; an existing folder whose mode or mtime differs is finished again', () => {
  const excluder = compileExcludes(['logs/']);
  const p = planTransfer([d(''), d('a'), f('a/logs'), d('logs'), f('logs/x')], [], [], { ...all, excluder });
  assert.deepEqual(rels(p.files), ['a/logs']);
  assert.deepEqual(rels(p.mkdirs), ['', 'a']);
  const mode = planTransfer([d(''), d('m', 1000, 0o700), d('t', 2000)], [d(''), d('m'), d('t')], [], changed);
  assert.deepEqual(rels(mode.dirAttrs), ['m', 't']);
  assert.equal(mode.unchanged, 1);
});

test('--changed: a symlink of the same size and mtime where a file goes is replaced; a file replaced by a folder gets its attributes', () => {
  const p = planTransfer([d(''), f('a', 0)], [d(''), l('a', 'x')], [], changed);
  assert.deepEqual(rels(p.files), ['a']);
  const q = planTransfer([d(''), d('x')], [d(''), f('x')], [], changed);
  assert.deepEqual(rels(q.dirAttrs), ['', 'x']);
});

test('deletes at the same depth go in name order, whatever the listing order', () => {
  const p = planTransfer([d('')], [d(''), f('d'), f('b'), f('c'), f('a')], [], { ...changed, delete: true });
  assert.deepEqual(rels(p.deletes), ['a', 'b', 'c', 'd']);
});
