import { test } from 'node:test';
import assert from 'node:assert/strict';
import { killOrder, selectTree } from '../../../src/core/kill-tree.js';
import { parseProcStat, type ProcessInfo } from '../../../src/core/process-table.js';

const p = (pid: number, ppid: number, pgid: number, sid: number, hasCookie = false): ProcessInfo => ({ pid, ppid, pgid, sid, hasCookie });

test('parseProcStat counts fields after the last parenthesis', () => {
  const row = parseProcStat('4242 (we (ird) name) S 17 4242 4242 0 -1 4194560 100');
  assert.deepEqual(row, { pid: 4242, ppid: 17, pgid: 4242, sid: 4242 });
  assert.equal(parseProcStat('77 (zombie) Z 1 77 77 0'), undefined);
  assert.equal(parseProcStat('garbage'), undefined);
});

test('selects descendants, the group, the session and cookie holders; never init or unrelated', () => {
  const table = [
    p(1, 0, 1, 1),
    p(100, 1, 100, 100), // job root: sh, session leader
    p(101, 100, 100, 100), // child in group
    p(102, 100, 102, 102), // child that called setsid
    p(103, 102, 102, 102), // its child
    p(104, 1, 100, 100), // orphan still in the group (parent died)
    p(105, 1, 105, 105, true), // orphan that left group and session but kept the cookie
    p(200, 1, 200, 200), // unrelated
    p(201, 200, 200, 200),
  ];
  const plan = selectTree(table, { rootPid: 100, pgid: 100, sid: 100, cookie: 'LWT_JOB=x' });
  assert.deepEqual([...plan.keys()].sort((a, b) => a - b), [100, 101, 102, 103, 104, 105]);
  assert.equal(plan.get(100), 0);
  assert.equal(plan.get(102), 1);
  assert.equal(plan.get(103), 2);
  assert.equal(plan.get(105), 0);
});

test('kill order is deepest first', () => {
  const table = [p(10, 1, 10, 10), p(11, 10, 10, 10), p(12, 11, 10, 10), p(13, 10, 13, 13)];
  const order = killOrder(selectTree(table, { rootPid: 10 }));
  assert.deepEqual(order, [12, 11, 13, 10]);
});

test('a descendant listed before its parent (PID wrap-around) is still found', () => {
  // One pass in PID order would see 5 before its parent 900 is known to be selected.
  const table = [p(5, 900, 5, 5), p(900, 800, 800, 800), p(800, 1, 800, 800)];
  const plan = selectTree(table, { rootPid: 800 });
  assert.deepEqual([...plan.keys()].sort((a, b) => a - b), [5, 800, 900]);
});

test('never selects lwt itself or its ancestors, even in the same group', () => {
  const me = process.pid;
  const table = [p(1, 0, 1, 1), p(50, 1, 50, 50), p(me, 50, 50, 50), p(60, me, 50, 50)];
  const plan = selectTree(table, { rootPid: 60, pgid: 50 });
  assert.ok(!plan.has(me));
  assert.ok(!plan.has(50));
  assert.ok(plan.has(60));
});
