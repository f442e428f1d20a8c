import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../../src/errors.js';
import { nextRunId, readRun } from '../../../src/runs/journal.js';

test('run ids of one second follow the order the runs started in', () => {
  const stamp = '20261202-021500';
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) ids.push(nextRunId(ids, stamp));
  assert.deepEqual([...ids].sort(), ids, 'sorted ids are in start order');
  assert.equal(ids[0], `${stamp}-0001`);
  assert.equal(new Set(ids).size, 12);
});

test('an id of another second or an older form does not shift the sequence', () => {
  assert.equal(nextRunId(['20261202-021459-0007', '20261202-021500-a3f0', 'notes'], '20261202-021500'), '20261202-021500-0001');
  assert.equal(nextRunId(['20261202-021500-0007'], '20261202-021500'), '20261202-021500-0008');
});

/** A home whose journal holds runs with these ids (run.json only, one result line each). */
async function homeWithRuns(ids: string[]): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'lwt-journal-'));
  for (const id of ids) {
    const dir = join(home, '.lwt', 'runs', id);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'run.json'), JSON.stringify({ id, verb: 'exec-all', command: `cmd of ${id}`, argv: [], hostSource: '-w', hosts: ['a'], startedAt: '' }));
    await writeFile(join(dir, 'results.jsonl'), `${JSON.stringify({ host: 'a', outcome: { kind: 'exited', code: 1 }, durationMs: 1 })}\n{"host": "torn`);
  }
  return home;
}

test('a run is found by `last`, by its whole id, or by a unique prefix; a torn last line is skipped', async () => {
  const ids = ['20261201-235959-0001', '20261202-021500-0001', '20261202-021500-0002', '20261202-030000-0001'];
  const home = await homeWithRuns(ids);
  try {
    assert.equal((await readRun(home, 'last')).meta.id, '20261202-030000-0001', 'last is the newest id, not the newest file');
    assert.equal((await readRun(home, '20261202-021500-0001')).meta.id, '20261202-021500-0001');
    assert.equal((await readRun(home, '20261201')).meta.id, '20261201-235959-0001');
    assert.equal((await readRun(home, '20261202-03')).meta.command, 'cmd of 20261202-030000-0001');
    const { results } = await readRun(home, 'last');
    assert.deepEqual(results, [{ host: 'a', outcome: { kind: 'exited', code: 1 }, durationMs: 1 }]);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

test('an ambiguous prefix names the candidates; an unknown id or an empty journal is a usage error', async () => {
  const home = await homeWithRuns(['20261202-021500-0001', '20261202-021500-0002']);
  const empty = await mkdtemp(join(tmpdir(), 'lwt-journal-'));
  try {
    await assert.rejects(readRun(home, '20261202-0215'), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.equal(e.message, "run '20261202-0215' is ambiguous: 20261202-021500-0001, 20261202-021500-0002…");
      return true;
    });
    await assert.rejects(readRun(home, '2025'), (e: unknown) => e instanceof UsageError && /^no run '2025' in .*\.lwt\/runs \(lwt history lists them\)$/.test(e.message));
    await assert.rejects(readRun(empty, 'last'), (e: unknown) => e instanceof UsageError && /^no run 'last' in /.test(e.message));
  } finally {
    await rm(home, { recursive: true, force: true });
    await rm(empty, { recursive: true, force: true });
  }
});
