import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Spawner } from '../../../src/core/spawner.js';
import { fromWaitStatus, type Outcome } from '../../../src/core/outcome.js';

interface Ended {
  pid?: number;
  outcome?: Outcome;
  error?: string;
  stdout: Buffer;
  stderr: Buffer;
}

function run(spawner: Spawner, command: string, cookie = 'c0ok1e'): Promise<Ended> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const e: Ended = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
    const done = (): void => resolve({ ...e, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    spawner.run(command, cookie, {
      onStart: (pid) => (e.pid = pid),
      onOutput: (stream, chunk) => (stream === 'stdout' ? out : err).push(chunk),
      onEnd: (status) => {
        e.outcome = fromWaitStatus(status);
        done();
      },
      onError: (message) => {
        e.error = message;
        done();
      },
    });
  });
}

test('the spawner: exit codes and signals apart, output bytes exact across frames, cookie and session', async (t) => {
  const spawner = await Spawner.start();
  if (!spawner) return t.skip('no perl here');
  try {
    const [exit3, term, big, cookie, session] = await Promise.all([
      run(spawner, 'echo out; echo err >&2; exit 3'),
      run(spawner, 'kill -TERM $$'),
      // 3 MB of every byte value: many frames, cut across the pipe's chunks.
      run(spawner, "i=0; while [ $i -lt 12 ]; do head -c 262144 /dev/urandom; i=$((i+1)); done | tee /dev/stderr | sha256sum | cut -c1-64 >&2"),
      run(spawner, 'printf %s "$LWT_JOB"', 'abc.123'),
      run(spawner, 'ps -o sid= -o pgid= -p $$'),
    ]);
    assert.deepEqual(exit3.outcome, { kind: 'exited', code: 3 });
    assert.equal(exit3.stdout.toString(), 'out\n');
    assert.equal(exit3.stderr.toString(), 'err\n');
    assert.deepEqual(term.outcome, { kind: 'signaled', signal: 'SIGTERM', coreDumped: false });
    const data = big.stderr.subarray(0, big.stderr.length - 65);
    assert.equal(data.length, 12 * 262144);
    assert.equal(big.stderr.subarray(-65, -1).toString(), createHash('sha256').update(data).digest('hex'));
    assert.equal(cookie.stdout.toString(), 'abc.123');
    const [sid, pgid] = session.stdout.toString().trim().split(/\s+/).map(Number);
    assert.equal(sid, session.pid, 'the job leads its own session');
    assert.equal(pgid, session.pid, 'and its own process group');
  } finally {
    await spawner.close();
  }
});

test('jobs sent after the spawner is gone fail at once with why', async (t) => {
  const spawner = await Spawner.start();
  if (!spawner) return t.skip('no perl here');
  const running = run(spawner, 'sleep 30');
  await new Promise((r) => setTimeout(r, 200));
  (spawner as unknown as { child: { kill(s: string): void } }).child.kill('SIGKILL');
  const lost = await running;
  assert.match(lost.error ?? '', /job spawner \(perl\) ended: SIGKILL/);
  // The orphaned job (runLocalProcess kills its tree; here it is killed by its group).
  if (lost.pid !== undefined) process.kill(-lost.pid, 'SIGKILL');
  const late = await run(spawner, 'true');
  assert.match(late.error ?? '', /job spawner \(perl\) ended/);
});
