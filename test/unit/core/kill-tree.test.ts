import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { killOrder, killTree, selectTree } from '../../../src/core/kill-tree.js';
import { snapshotProcesses, type ProcessInfo } from '../../../src/core/process-table.js';

const p = (pid: number, ppid: number, pgid: number, sid: number, hasCookie = false): ProcessInfo => ({ pid, ppid, pgid, sid, hasCookie });

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

test("group or session 0 or 1 (init's, or none) pulls nothing in; only a real group or session does", () => {
  const table = [p(1, 0, 1, 1), p(2, 0, 0, 0), p(30, 1, 1, 1), p(31, 1, 0, 0), p(40, 1, 40, 40), p(41, 1, 40, 40), p(42, 1, 43, 40)];
  assert.deepEqual([...selectTree(table, { rootPid: 40, pgid: 1, sid: 1 }).keys()], [40]);
  assert.deepEqual([...selectTree(table, { rootPid: 40, pgid: 0, sid: 0 }).keys()], [40]);
  assert.deepEqual([...selectTree(table, { rootPid: 40, pgid: 40 }).keys()].sort(), [40, 41]);
  assert.deepEqual([...selectTree(table, { rootPid: 40, sid: 40 }).keys()].sort(), [40, 41, 42]);
});

test('kill order: deepest first, then by pid; a parent loop does not hang the depth walk', () => {
  assert.deepEqual(killOrder(new Map([[30, 1], [10, 1], [20, 0], [5, 2]])), [5, 10, 30, 20]);
  // 7 and 8 name each other as parent (a torn snapshot): both selected, depth bounded.
  const plan = selectTree([p(7, 8, 7, 7), p(8, 7, 7, 7)], { rootPid: 7 });
  assert.deepEqual([...plan.keys()].sort(), [7, 8]);
  assert.ok([...plan.values()].every((d) => d <= 4097));
});

test('killTree kills a real tree: a shell, its children and a grandchild that left the group', async () => {
  // sh (group leader) -> sleep, sleep, and a setsid'd sh -> sleep (another session, found by parent links).
  const child = spawn('/bin/sh', ['-c', 'sleep 60 & sleep 60 & setsid sh -c "sleep 60 & wait" & wait'], { detached: true, stdio: 'ignore' });
  await once(child, 'spawn');
  const pid = child.pid!;
  const treeOf = async (): Promise<number[]> => {
    const table = await snapshotProcesses();
    return [...selectTree(table, { rootPid: pid, pgid: pid }).keys()];
  };
  // Wait (bounded) until the whole tree is there: sh, 2 sleeps, setsid'd sh and its sleep.
  let before: number[] = [];
  for (let i = 0; i < 200 && before.length < 5; i++) {
    before = await treeOf();
    if (before.length < 5) await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(before.length, 5, `tree seen: ${before.join(' ')}`);
  const report = await killTree({ rootPid: pid, pgid: pid });
  assert.equal(report.killed, 5);
  assert.deepEqual(report.survivors, []);
  const live = new Set((await snapshotProcesses()).map((p) => p.pid));
  assert.deepEqual(before.filter((p) => live.has(p)), [], 'none of them is left');
});
