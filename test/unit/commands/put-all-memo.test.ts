import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlanMemo } from '../../../src/commands/put-all.js';
import { planTransfer, type Plan } from '../../../src/transfer/plan.js';
import type { LocalTree } from '../../../src/transfer/local-tree.js';
import type { Entry } from '../../../src/transfer/entry.js';

const f = (rel: string, mtime: number): Entry => ({ rel, type: 'f', mode: 0o644, size: 1, mtime });
const treeOf = (entries: Entry[]): LocalTree => ({ kind: 'tree', root: '/src', entries }) as unknown as LocalTree;

test('hosts that answer the same listing for the same local tree share one plan; another tree or listing gets its own', () => {
  const memo = new PlanMemo();
  const tree = treeOf([f('a', 1), f('b', 2)]);
  let made = 0;
  const make = (target: Entry[]) => (): Plan => {
    made++;
    return planTransfer(tree.entries, target, [], { changed: true, checksum: false, delete: false });
  };
  const p1 = memo.plan(tree, 'T\0key1', make([f('a', 1)]));
  const p2 = memo.plan(tree, 'T\0key1', make([f('a', 1)]));
  assert.equal(p2, p1);
  assert.equal(made, 1);
  assert.deepEqual(p1.files.map((e) => e.rel), ['b']);
  const other = memo.plan(tree, 'T\0key2', make([]));
  assert.deepEqual(other.files.map((e) => e.rel), ['a', 'b'], 'another listing, its own plan');
  const perHost = treeOf([f('c', 3)]);
  memo.plan(perHost, 'T\0key1', () => planTransfer(perHost.entries, [], [], { changed: true, checksum: false, delete: false }));
  assert.equal(made, 2, 'put-all-diff: another tree never reuses a plan');
  assert.deepEqual(memo.plan(perHost, 'T\0key1', make([])).files.map((e) => e.rel), ['c']);
});
