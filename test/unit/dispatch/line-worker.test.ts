import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLocalProcess } from '../../../src/core/local-process.js';
import { LineWorker, defaultRestartBackoffMs } from '../../../src/dispatch/line-worker.js';
import type { StartWorker } from '../../../src/dispatch/slot-process.js';

const local = (command: string): StartWorker => (io) => runLocalProcess({ command, signal: io.signal, outputCapBytes: 4096, onOutput: io.onOutput, onStdin: io.onStdin });
const line = (s: string): Buffer => Buffer.from(s);

test('a worker writes each line back: done, with its other output; one process serves many lines', async () => {
  const w = new LineWorker(local(`while IFS= read -r l; do echo "working on $l"; echo "$l"; done`));
  const never = new AbortController().signal;
  for (const l of ['a', 'b b', '']) {
    const r = await w.run(line(l), never);
    assert.equal(r.kind, 'done');
    assert.equal(r.output.toString(), `working on ${l}\n`);
  }
  assert.equal(w.restarts, 0);
  await w.stop();
});

test('a worker that dies with a line outstanding reports how it ended; the next line starts a new one', async () => {
  const w = new LineWorker(local(`read -r l; [ "$l" = crash ] && exit 7; echo "$l"; read -r l; kill -9 $$`), () => 0);
  const never = new AbortController().signal;
  const r1 = await w.run(line('crash'), never);
  assert.deepEqual(r1.kind === 'ended' && r1.outcome, { kind: 'exited', code: 7 });
  assert.equal((await w.run(line('ok'), never)).kind, 'done');
  const r3 = await w.run(line('x'), never);
  assert.equal(r3.kind === 'ended' && r3.outcome.kind, 'signaled');
  assert.equal(w.restarts, 1);
});

test('a line past its deadline kills the worker tree and ends with our reason', async () => {
  const w = new LineWorker(local('read -r l; sleep 30'));
  const ctl = new AbortController();
  setTimeout(() => ctl.abort({ kind: 'timeout', afterMs: 50 }), 50);
  const r = await w.run(line('x'), ctl.signal);
  assert.equal(r.kind, 'ended');
  assert.equal(r.kind === 'ended' && r.outcome.kind, 'timeout');
});

test('restart backoff: none for the first crash, then 50 ms doubling to 5 s', () => {
  assert.deepEqual([1, 2, 3, 4, 20].map(defaultRestartBackoffMs), [0, 50, 100, 200, 5000]);
});

test('a line handed over before the worker\'s stdin is open (a remote channel opens later) is sent when it opens', { timeout: 10_000 }, async () => {
  const start: StartWorker = (io) =>
    new Promise((resolve) => {
      setTimeout(() => void local('read -r l; echo "$l"')(io).then(resolve), 30);
    });
  const w = new LineWorker(start);
  const r = await w.run(line('late'), new AbortController().signal);
  assert.equal(r.kind, 'done');
});
