/**
 * The command runner with its real Perl script, run as a local process (the remote side is
 * the same script over a channel; the integration tests run it on the fleet).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLocalProcess } from '../../../src/core/local-process.js';
import { CommandRunner } from '../../../src/dispatch/command-runner.js';
import type { StartWorker } from '../../../src/dispatch/slot-process.js';
import { READY_LINE } from '../../../src/dispatch/runner-frames.js';
import { RUNNER_COMMAND } from '../../../src/dispatch/runner-script.js';

const start = (command: string, env: NodeJS.ProcessEnv = { ...process.env, SHELL: '/bin/sh' }): StartWorker => (io) =>
  runLocalProcess({ command, env, signal: io.signal, outputCapBytes: 1 << 20, onOutput: io.onOutput, onStdin: io.onStdin });
const never = new AbortController().signal;

test('jobs run one after another in one runner: output per job, exit codes and signals told apart', async () => {
  const r = new CommandRunner(start(RUNNER_COMMAND));
  const a = await r.run('echo out; echo err >&2; exit 3', never, 1 << 20);
  assert.deepEqual(a?.outcome, { kind: 'exited', code: 3 });
  assert.equal(a?.stdout, 'out\n');
  assert.equal(a?.stderr, 'err\n');
  const s = await r.run('kill -TERM $$', never, 1 << 20);
  assert.deepEqual(s?.outcome, { kind: 'signaled', signal: 'SIGTERM', coreDumped: false });
  const e = await r.run('exit 143', never, 1 << 20);
  assert.deepEqual(e?.outcome, { kind: 'exited', code: 143 }, 'exit 143 is not SIGTERM');
  const n = await r.run('printf ""', never, 1 << 20);
  assert.deepEqual([n?.outcome, n?.stdout, n?.stderr], [{ kind: 'exited', code: 0 }, '', '']);
  assert.equal(r.starts, 1, 'one runner for all of them');
  await r.stop();
});

test('output is byte-exact, the frame markers and a ready line inside it included; a command may hold newlines and quotes', async () => {
  const r = new CommandRunner(start(RUNNER_COMMAND));
  const res = await r.run(`printf '\\036LWT-RUNNER 1\\nX0\\n\\000\\377'\necho "it's"`, never, 1 << 20);
  assert.deepEqual(res?.stdoutBytes, Buffer.concat([Buffer.from(`${READY_LINE}X0\n`, 'latin1'), Buffer.from([0, 0xff]), Buffer.from("it's\n")]));
  const big = await r.run('head -c 3000000 /dev/zero', never, 1 << 22);
  assert.equal(big?.stdoutBytes.length, 3000000);
  await r.stop();
});

test('a job waits for the end of its output, as sshd does: a background child holding stdout is waited for', async () => {
  const r = new CommandRunner(start(RUNNER_COMMAND));
  const res = await r.run('(sleep 0.3; echo late) & echo now', never, 1 << 20);
  assert.equal(res?.stdout, 'now\nlate\n');
  await r.stop();
});

test('a job past its deadline kills the runner; the next job gets a new one', async () => {
  const r = new CommandRunner(start(RUNNER_COMMAND));
  const ctl = new AbortController();
  setTimeout(() => ctl.abort({ kind: 'timeout', afterMs: 100 }), 100);
  const t = await r.run('sleep 30', ctl.signal, 1 << 20);
  assert.equal(t?.outcome.kind, 'timeout');
  const next = await r.run('echo again', never, 1 << 20);
  assert.equal(next?.stdout, 'again\n');
  assert.equal(r.starts, 2);
  await r.stop();
});

test('without perl the runner is unavailable (undefined), not a failed job', async () => {
  const r = new CommandRunner(start(RUNNER_COMMAND, { PATH: '/nonexistent', SHELL: '/bin/sh' }));
  assert.equal(await r.run('echo hi', never, 1 << 20), undefined);
});

test('a runner that dies under a job fails the job, naming it; one that writes no frames is garbage', async () => {
  const died = new CommandRunner(start(RUNNER_COMMAND));
  const res = await died.run('kill -9 $PPID; sleep 1', never, 1 << 20);
  assert.equal(res?.outcome.kind, 'failed');
  assert.match(res?.outcome.kind === 'failed' ? res.outcome.message : '', /command runner ended while the job ran \(killed by SIGKILL/);
  const fake = new CommandRunner(start(`printf '${READY_LINE.replace('\u001e', '\\036').replace('\n', '\\n')}'; echo not a frame; sleep 30`));
  const g = await fake.run('true', never, 1 << 20);
  assert.equal(g?.outcome.kind, 'failed');
  assert.match(g?.outcome.kind === 'failed' ? g.outcome.message : '', /not its protocol, near "not a frame/);
});
