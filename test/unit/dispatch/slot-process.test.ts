import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StdinPipe } from '../../../src/core/capped-output.js';
import { runLocalProcess } from '../../../src/core/local-process.js';
import { SlotProcess, type StartWorker } from '../../../src/dispatch/slot-process.js';

const local = (command: string): StartWorker => (io) => runLocalProcess({ command, signal: io.signal, outputCapBytes: 4096, onOutput: io.onOutput, onStdin: io.onStdin });

test('writes made before stdin opens are held and delivered first, in order; stop ends it by EOF', async () => {
  let openStdin: (() => void) | undefined;
  // A start whose stdin opens late, as a remote channel's does.
  const late: StartWorker = (io) =>
    local('cat')({
      ...io,
      onStdin: (pipe: StdinPipe) => {
        openStdin = () => io.onStdin(pipe);
      },
    });
  let out = '';
  const p = new SlotProcess(late, (c) => (out += c.toString()));
  p.write(Buffer.from('a\n'));
  p.write(Buffer.from('b\n'));
  for (let i = 0; i < 100 && !openStdin; i++) await new Promise((r) => setTimeout(r, 10));
  openStdin!();
  p.write(Buffer.from('c\n'));
  await p.stop(5000);
  assert.equal(out, 'a\nb\nc\n');
  assert.deepEqual((await p.ended).outcome, { kind: 'exited', code: 0 });
  assert.equal(p.signal.aborted, false, 'left by EOF, not killed');
});

test('stop kills a process that ignores EOF once its grace is over; kill names the reason', async () => {
  const p = new SlotProcess(local('trap "" TERM; sleep 30'), () => undefined);
  await p.stop(100);
  assert.equal((await p.ended).outcome.kind, 'cancelled');
  const q = new SlotProcess(local('sleep 30'), () => undefined);
  q.kill({ kind: 'timeout', afterMs: 5 });
  assert.equal((await q.ended).outcome.kind, 'timeout');
  assert.deepEqual(q.signal.reason, { kind: 'timeout', afterMs: 5 });
});
