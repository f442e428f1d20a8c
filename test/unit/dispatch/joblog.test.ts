import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JOBLOG_HEADER, JoblogWriter, exitColumns, formatEntry, parseJoblog, readJoblog, resumeSkip } from '../../../src/dispatch/joblog.js';

test("entries have GNU parallel's nine columns; tabs and newlines in a command cannot break a line", () => {
  const line = formatEntry({ seq: 3, host: 'n1', startMs: 1700000000123, runtimeMs: 1500, outcome: { kind: 'exited', code: 2 }, received: 10, command: 'echo\ta\nb' });
  assert.equal(line, '3\tn1\t1700000000.123\t   1.500\t0\t10\t2\t0\techo a b\n');
  assert.equal(JOBLOG_HEADER.split('\t').length, 9);
});

test('Exitval and Signal per outcome', () => {
  assert.deepEqual(exitColumns({ kind: 'exited', code: 0 }), { exitval: 0, signal: 0 });
  assert.deepEqual(exitColumns({ kind: 'signaled', signal: 'SIGKILL', coreDumped: false }), { exitval: -1, signal: 9 });
  assert.deepEqual(exitColumns({ kind: 'timeout', afterMs: 1, killed: 1 }), { exitval: -1, signal: 9 });
  assert.deepEqual(exitColumns({ kind: 'lost', message: 'x' }), { exitval: -1, signal: 0 });
});

test('parse: newest entry of a Seq wins, a torn last line is ignored, junk names file and line', () => {
  const ok = (seq: number, exitval = 0): string => formatEntry({ seq, host: ':', startMs: 0, runtimeMs: 0, outcome: { kind: 'exited', code: exitval }, received: 0, command: 'c' });
  const text = `${JOBLOG_HEADER}\n${ok(1)}${ok(2, 1)}${ok(2)}${ok(3, 5)}4\t:\t0.000`;
  assert.deepEqual([...parseJoblog(text)], [
    [1, true],
    [2, true],
    [3, false],
  ]);
  assert.throws(() => parseJoblog(`${JOBLOG_HEADER}\nnonsense\n`, 'j.log'), /j\.log:2: not a joblog line/);
  const done = parseJoblog(text);
  assert.deepEqual([1, 2, 3, 4].map(resumeSkip(done, 'resume')), [true, true, true, false]);
  assert.deepEqual([1, 2, 3, 4].map(resumeSkip(done, 'resume-failed')), [true, true, false, false]);
});

test('the writer appends whole lines after one header, owner-only; a missing log resumes nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-joblog-'));
  try {
    const file = join(dir, 'j.log');
    assert.equal(readJoblog(file).size, 0);
    for (const seq of [1, 2]) {
      const w = new JoblogWriter(file);
      w.append({ seq, host: ':', startMs: 0, runtimeMs: 1, outcome: { kind: 'exited', code: 0 }, received: 0, command: 'true' });
      w.close();
    }
    const text = await readFile(file, 'utf8');
    assert.equal(text.split('\n').filter((l) => l === JOBLOG_HEADER).length, 1);
    assert.deepEqual([...readJoblog(file).keys()], [1, 2]);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    await writeFile(join(dir, 'bad.log'), 'x\ty\n');
    assert.throws(() => readJoblog(join(dir, 'bad.log')), /bad\.log:1/);
    assert.throws(() => new JoblogWriter(join(dir, 'no/such/j.log')), /cannot open joblog .*ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
