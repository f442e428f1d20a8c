import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SPAWNER_KINDS, Spawner, spawnerKinds, type SpawnerKind } from '../../../src/core/spawner.js';
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

for (const kind of SPAWNER_KINDS) {
  test(`${kind.name}: exit codes and signals apart, output bytes exact across frames, cookie and session`, async (t) => {
    const spawner = await Spawner.start(process.env, [kind]);
    if (!spawner) return t.skip(`no ${kind.name} here`);
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

  test(`${kind.name}: jobs sent after the spawner is gone fail at once with why`, async (t) => {
    const spawner = await Spawner.start(process.env, [kind]);
    if (!spawner) return t.skip(`no ${kind.name} here`);
    const running = run(spawner, 'sleep 30');
    await new Promise((r) => setTimeout(r, 200));
    (spawner as unknown as { child: { kill(s: string): void } }).child.kill('SIGKILL');
    const lost = await running;
    assert.match(lost.error ?? '', new RegExp(`job spawner \\(${kind.name}\\) ended: SIGKILL`));
    // The orphaned job (runLocalProcess kills its tree; here it is killed by its group).
    if (lost.pid !== undefined) process.kill(-lost.pid, 'SIGKILL');
    const late = await run(spawner, 'true');
    assert.match(late.error ?? '', /job spawner \(.*\) ended/);
  });

  test(`${kind.name}: a job starts with default signals, nothing blocked, and only the environment it was given`, async (t) => {
    // LANG=C without LC_CTYPE: Python adds LC_CTYPE=C.UTF-8 to its own environment (PEP 538).
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', KEEP: 'a b\u00e9' };
    const spawner = await Spawner.start(env, [kind]);
    if (!spawner) return t.skip(`no ${kind.name} here`);
    try {
      const [status, environment] = await Promise.all([
        run(spawner, 'exec grep -E "^Sig(Blk|Ign):" /proc/self/status'),
        run(spawner, 'env', 'c00k1e'),
      ]);
      const masks = Object.fromEntries(status.stdout.toString().trim().split('\n').map((l) => l.split(/:\s+/) as [string, string]));
      // Bits of HUP, INT, QUIT, PIPE, TERM and XFSZ: what the spawners ignore, or Python does.
      const ours = [1, 2, 3, 13, 15, 25].reduce((m, sig) => m | (1n << BigInt(sig - 1)), 0n);
      assert.equal(BigInt(`0x${masks.SigIgn}`) & ours, 0n, `ignored: ${masks.SigIgn}`);
      assert.equal(BigInt(`0x${masks.SigBlk}`), 0n, `blocked: ${masks.SigBlk}`);
      assert.deepEqual(environment.stdout.toString().trim().split('\n').filter((l) => !/^(PWD|SHLVL|_)=/.test(l)).sort(), [
        'KEEP=a b\u00e9',
        'LANG=C',
        'LWT_JOB=c00k1e',
        `PATH=${env.PATH}`,
      ]);
    } finally {
      await spawner.close();
    }
  });
}

test('a spawner that cannot start, or exits before it is ready, gives way to the next kind', async () => {
  const perl = SPAWNER_KINDS.find((k) => k.name === 'perl')!;
  const kinds: SpawnerKind[] = [
    { name: 'missing', command: '/nonexistent/python3', args: [] },
    { name: 'too-old', command: '/bin/sh', args: ['-c', 'exit 3'] },
    perl,
  ];
  const spawner = await Spawner.start(process.env, kinds);
  if (!spawner) return; // no perl here either: nothing else to check
  try {
    assert.equal(spawner.name, 'perl');
    assert.deepEqual((await run(spawner, 'exit 5')).outcome, { kind: 'exited', code: 5 });
  } finally {
    await spawner.close();
  }
  assert.equal(await Spawner.start(process.env, kinds.slice(0, 2)), undefined);
});

test('LWT_SPAWNER: the kinds to try, in the order given; none; a name not known is refused', () => {
  const names = (s: string | undefined): string[] | undefined => spawnerKinds(s)?.map((k) => k.name);
  assert.deepEqual(names(undefined), ['python3', 'perl']);
  assert.deepEqual(names(' '), ['python3', 'perl']);
  assert.deepEqual(names('perl'), ['perl']);
  assert.deepEqual(names('perl, python3'), ['perl', 'python3']);
  assert.deepEqual(names('none'), []);
  assert.equal(names('perl,ruby'), undefined);
});
