import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { runPool, type JobContext } from '../../../src/core/pool.js';
import type { Outcome } from '../../../src/core/outcome.js';

const exited = (code: number): { outcome: Outcome } => ({ outcome: { kind: 'exited', code } });

/** A worker that waits `ms` or until aborted; on abort it "exits 0" like a parent whose children died. */
const waitOrAbort = (ms: number) => async (_item: unknown, ctx: JobContext) => {
  await sleep(ms, undefined, { signal: ctx.signal }).catch(() => undefined);
  return exited(0);
};

test('never runs more than `concurrency` at once, and every item settles in input order', async () => {
  let running = 0;
  let peak = 0;
  const run = await runPool(
    Array.from({ length: 20 }, (_, i) => i),
    async (i) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(5);
      running--;
      return exited(i % 3);
    },
    { concurrency: 4 },
  );
  assert.equal(peak, 4);
  assert.equal(run.settled.length, 20);
  assert.deepEqual(run.settled.map((s) => s.index), [...Array(20).keys()]);
  assert.deepEqual(run.settled[5]!.outcome, { kind: 'exited', code: 2 });
});

test('a deadline reports timeout even when the worker then says exit 0', async () => {
  const run = await runPool([1], waitOrAbort(5000), { concurrency: 1, timeoutMs: 30 });
  const s = run.settled[0]!;
  assert.equal(s.outcome.kind, 'timeout');
  assert.ok(s.durationMs < 4000);
});

test('cancel kills running jobs and settles queued ones as never started', async () => {
  const ctl = new AbortController();
  setTimeout(() => ctl.abort({ kind: 'cancelled', signal: 'SIGINT' }), 30);
  const run = await runPool([1, 2, 3, 4, 5], waitOrAbort(5000), { concurrency: 2, signal: ctl.signal });
  assert.equal(run.cancelled, true);
  const kinds = run.settled.map((s) => s.outcome);
  assert.deepEqual(
    kinds.map((o) => o.kind),
    ['cancelled', 'cancelled', 'cancelled', 'cancelled', 'cancelled'],
  );
  assert.equal(kinds.filter((o) => o.kind === 'cancelled' && o.started).length, 2);
});

test('a worker that throws settles as an error outcome, the others run on', async () => {
  const run = await runPool([1, 2], async (i) => {
    if (i === 1) throw new Error('boom');
    return exited(0);
  }, { concurrency: 2 });
  assert.deepEqual(run.settled[0]!.outcome, { kind: 'internal', message: 'boom' });
  assert.deepEqual(run.settled[1]!.outcome, { kind: 'exited', code: 0 });
});

test('a worker that ignores its abort is abandoned after the grace period', async () => {
  const abandoned: number[] = [];
  const run = await runPool([7], () => new Promise<{ outcome: Outcome }>(() => undefined), {
    concurrency: 1,
    timeoutMs: 20,
    abortGraceMs: 30,
    onAbandoned: (_item, index) => abandoned.push(index),
  });
  assert.equal(run.settled[0]!.outcome.kind, 'timeout');
  assert.deepEqual(abandoned, [0]);
});

test('retries what shouldRetry accepts, up to the limit, and counts attempts', async () => {
  const tries = new Map<string, number>();
  const run = await runPool(
    ['flaky', 'dead', 'fails'],
    async (name) => {
      const n = (tries.get(name) ?? 0) + 1;
      tries.set(name, n);
      if (name === 'flaky' && n < 3) return { outcome: { kind: 'unreachable', reason: 'refused', message: '' } as Outcome };
      if (name === 'dead') return { outcome: { kind: 'unreachable', reason: 'refused', message: '' } as Outcome };
      if (name === 'fails') return exited(1);
      return exited(0);
    },
    {
      concurrency: 3,
      retry: { limit: 3, firstDelaysMs: [1], everyMs: 1, jitter: 0, shouldRetry: (r) => r.outcome.kind === 'unreachable' },
    },
  );
  assert.deepEqual(run.settled.map((s) => [s.outcome.kind, s.attempts]), [
    ['exited', 3],
    ['unreachable', 4],
    ['exited', 1],
  ]);
});

test('the pool waits the retry delay between attempts, outside the slot', async () => {
  // Concurrency 1: while `flaky` waits its 200 ms, `quick` takes the slot.
  const log: string[] = [];
  const times = new Map<string, number>();
  const delays: number[] = [];
  const run = await runPool(
    ['flaky', 'quick'],
    async (name, ctx) => {
      log.push(`${name}${ctx.attempt}`);
      times.set(`${name}${ctx.attempt} start`, performance.now());
      if (name === 'quick') await sleep(20);
      times.set(`${name}${ctx.attempt} end`, performance.now());
      return name === 'flaky' && ctx.attempt === 1 ? { outcome: { kind: 'unreachable', reason: 'refused', message: '' } as Outcome } : exited(0);
    },
    {
      concurrency: 1,
      retry: { limit: 1, firstDelaysMs: [200], jitter: 0, shouldRetry: (r) => r.outcome.kind === 'unreachable' },
      onRetry: (_item, _index, _attempt, _result, delayMs) => delays.push(delayMs),
    },
  );
  assert.deepEqual(log, ['flaky1', 'quick1', 'flaky2']);
  assert.deepEqual(delays, [200]);
  assert.deepEqual(run.settled.map((s) => s.attempts), [2, 1]);
  // Timers never fire early: the second try starts no sooner than 200 ms after the first ended
  // (1 ms for the timer's rounding).
  const waited = times.get('flaky2 start')! - times.get('flaky1 end')!;
  assert.ok(waited >= 199, `waited ${waited.toFixed(1)} ms`);
});

test('cancel during the retry wait settles with the last attempt, without another try', async () => {
  const ac = new AbortController();
  let tries = 0;
  const run = await runPool(
    ['h'],
    async () => {
      tries++;
      setTimeout(() => ac.abort({ kind: 'cancelled' }), 20);
      return { outcome: { kind: 'unreachable', reason: 'refused', message: 'no' } as Outcome };
    },
    { concurrency: 1, signal: ac.signal, retry: { limit: 3, firstDelaysMs: [60_000], shouldRetry: () => true } },
  );
  assert.equal(tries, 1);
  assert.deepEqual(run.settled[0]!.outcome, { kind: 'unreachable', reason: 'refused', message: 'no' });
  assert.equal(run.settled[0]!.attempts, 1);
  assert.equal(run.cancelled, true);
});

test('a streamed input is read only as fast as slots free up', async () => {
  let produced = 0;
  let maxAhead = 0;
  let finished = 0;
  async function* jobs() {
    for (let i = 0; i < 30; i++) {
      produced++;
      maxAhead = Math.max(maxAhead, produced - finished);
      yield i;
    }
  }
  const run = await runPool(jobs(), async () => {
    await sleep(2);
    finished++;
    return exited(0);
  }, { concurrency: 3 });
  assert.equal(run.settled.length, 30);
  assert.ok(maxAhead <= 3 * 2 + 1, `read ${maxAhead} ahead`);
});

test('callbacks in order: start, attempt end (inside the slot), retry, settled; settled carries its attempt', async () => {
  const events: string[] = [];
  const run = await runPool(
    ['a'],
    async (item, ctx) => {
      events.push(`work ${item}${ctx.attempt} index ${ctx.index}`);
      return ctx.attempt === 1 ? { outcome: { kind: 'lost', message: 'x' } as Outcome, n: 1 } : { outcome: { kind: 'exited', code: 0 } as Outcome, n: 2 };
    },
    {
      concurrency: 1,
      retry: { limit: 2, firstDelaysMs: [1], jitter: 0, shouldRetry: (r, item) => r.outcome.kind === 'lost' && item === 'a' },
      onStart: (item, index, attempt) => events.push(`start ${item}${attempt} ${index}`),
      onAttemptEnd: (item, index, attempt) => events.push(`end ${item}${attempt} ${index}`),
      onRetry: (item, index, attempt, result, delayMs) => events.push(`retry ${item}${attempt} ${index} ${result.outcome.kind} ${delayMs}`),
      onSettled: (s) => events.push(`settled ${s.item} ${s.index} ${s.attempts} ${s.outcome.kind}`),
    },
  );
  assert.deepEqual(events, [
    'start a1 0', 'work a1 index 0', 'end a1 0', 'retry a1 0 lost 1',
    'start a2 0', 'work a2 index 0', 'end a2 0', 'settled a 0 2 exited',
  ]);
  const s = run.settled[0]!;
  assert.equal(s.result?.n, 2, 'the last attempt\'s result');
  assert.equal(typeof s.startedAt, 'number');
  assert.ok(s.durationMs >= 0);
  assert.equal(run.cancelled, false);
});

test('what is not retried: the limit reached, a refusal by shouldRetry, a kill by the deadline', async () => {
  let tries = 0;
  const run = await runPool(
    ['deadline', 'refused'],
    async (item, ctx) => {
      tries++;
      if (item === 'deadline') await sleep(5000, undefined, { signal: ctx.signal }).catch(() => undefined);
      return { outcome: { kind: 'exited', code: 1 } as Outcome };
    },
    { concurrency: 2, timeoutMs: 30, retry: { limit: 3, firstDelaysMs: [1], jitter: 0, shouldRetry: (_r, item) => item === 'deadline' } },
  );
  assert.equal(tries, 2, 'each tried once');
  assert.deepEqual(run.settled.map((s) => [s.outcome.kind, s.attempts]), [['timeout', 1], ['exited', 1]]);
  const zero = await runPool(['x'], async () => ({ outcome: { kind: 'lost', message: '' } as Outcome }), {
    concurrency: 1,
    retry: { limit: 0, shouldRetry: () => true },
  });
  assert.equal(zero.settled[0]!.attempts, 1, 'limit 0: no retry');
});

test('a run cancelled before it starts settles every item as never started, with 0 attempts', async () => {
  const ctl = new AbortController();
  ctl.abort({ kind: 'cancelled', signal: 'SIGTERM' });
  let ran = 0;
  const run = await runPool([1, 2], async () => {
    ran++;
    return exited(0);
  }, { concurrency: 1, signal: ctl.signal });
  assert.equal(ran, 0);
  assert.equal(run.cancelled, true);
  assert.deepEqual(run.settled.map((s) => [s.outcome, s.attempts, s.durationMs]), [
    [{ kind: 'cancelled', killed: 0, started: false }, 0, 0],
    [{ kind: 'cancelled', killed: 0, started: false }, 0, 0],
  ]);
});

test('a worker that says timeout or cancelled keeps its own outcome (its kill count)', async () => {
  const run = await runPool([1], async (_i, ctx) => {
    await sleep(5000, undefined, { signal: ctx.signal }).catch(() => undefined);
    return { outcome: { kind: 'timeout', afterMs: 20, killed: 3 } as Outcome };
  }, { concurrency: 1, timeoutMs: 20 });
  assert.deepEqual(run.settled[0]!.outcome, { kind: 'timeout', afterMs: 20, killed: 3 });
});

test('a worker whose job had ended on its own when the abort came keeps its exit status', async () => {
  const run = await runPool([1, 2], async (i, ctx) => {
    await sleep(5000, undefined, { signal: ctx.signal }).catch(() => undefined);
    return i === 1 ? { outcome: { kind: 'exited', code: 3 } as Outcome, endedBeforeKill: true as const } : exited(0);
  }, { concurrency: 2, timeoutMs: 20 });
  assert.deepEqual(run.settled[0]!.outcome, { kind: 'exited', code: 3 });
  assert.equal(run.settled[1]!.outcome.kind, 'timeout', 'without the mark our reason wins');
});

test('a job that answers in the same turn as the cancel keeps its own status; one still running is cancelled', async () => {
  // `lwt run | head -1`: the closed pipe is noticed in the turn that handles a job's end.
  const cancel = new AbortController();
  const run = await runPool([1, 2], (i, ctx) => new Promise<{ outcome: Outcome }>((resolve) => {
    if (i === 1) setTimeout(() => { resolve(exited(3)); cancel.abort(); }, 10);
    else ctx.signal.addEventListener('abort', () => resolve({ outcome: { kind: 'cancelled', killed: 1, started: true } }));
  }), { concurrency: 2, signal: cancel.signal });
  assert.deepEqual(run.settled[0]!.outcome, { kind: 'exited', code: 3 });
  assert.deepEqual(run.settled[1]!.outcome, { kind: 'cancelled', killed: 1, started: true });
});

test('concurrency below 1 or fractional still runs, one at a time for 0.5', async () => {
  let running = 0;
  let peak = 0;
  const work = async () => {
    running++;
    peak = Math.max(peak, running);
    await sleep(5);
    running--;
    return exited(0);
  };
  await runPool([1, 2, 3], work, { concurrency: 0.5 });
  assert.equal(peak, 1);
  peak = 0;
  await runPool([1, 2, 3, 4], work, { concurrency: 2.9 });
  assert.equal(peak, 2);
});

test('a worker that says cancelled after a cancel keeps its own outcome (its kill count)', async () => {
  const ctl = new AbortController();
  const run = await runPool([1], async (_i, ctx) => {
    await sleep(5000, undefined, { signal: ctx.signal }).catch(() => undefined);
    return { outcome: { kind: 'cancelled', killed: 2, started: true } as Outcome };
  }, { concurrency: 1, signal: ctl.signal, onStart: () => setImmediate(() => ctl.abort({ kind: 'cancelled', signal: 'SIGINT' })) });
  assert.deepEqual(run.settled[0]!.outcome, { kind: 'cancelled', killed: 2, started: true });
});

test('keepSettled false keeps nothing; timeoutMs 0 is no deadline; a job left waiting for its slot when the run is cancelled has no attempt', async () => {
  const none = await runPool([1, 2], async () => exited(0), { concurrency: 1, keepSettled: false });
  assert.deepEqual(none.settled, []);
  const noDeadline = await runPool([1], async (_i, ctx) => {
    await sleep(30);
    return { outcome: ctx.signal.aborted ? ({ kind: 'exited', code: 99 } as Outcome) : exited(0).outcome };
  }, { concurrency: 1, timeoutMs: 0 });
  assert.deepEqual(noDeadline.settled[0]!.outcome, { kind: 'exited', code: 0 });
  const ctl = new AbortController();
  const ended: number[] = [];
  const run = await runPool([0, 1], async (_i, ctx) => {
    // Later than the pool's read of item 1, which then waits for the slot.
    setImmediate(() => ctl.abort({ kind: 'cancelled', signal: 'SIGTERM' }));
    await sleep(5000, undefined, { signal: ctx.signal }).catch(() => undefined);
    return exited(0);
  }, { concurrency: 1, signal: ctl.signal, onAttemptEnd: (_item, index) => ended.push(index) });
  assert.deepEqual(ended, [0]);
  assert.deepEqual([run.settled[1]!.outcome, run.settled[1]!.attempts], [{ kind: 'cancelled', killed: 0, started: false }, 0]);
});

test('the grace after an abort is 10 s unless given, and an abandoned job needs no onAbandoned', async () => {
  // Finishes 50 ms after its abort: inside the default grace, so it is not abandoned.
  const late = await runPool([1], async (_i, ctx) => {
    await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
    await sleep(50);
    return { outcome: { kind: 'timeout', afterMs: 10, killed: 1 } as Outcome };
  }, { concurrency: 1, timeoutMs: 10, onAbandoned: () => assert.fail('abandoned within the default grace') });
  assert.deepEqual(late.settled[0]!.outcome, { kind: 'timeout', afterMs: 10, killed: 1 });
  const run = await runPool([7], () => new Promise<{ outcome: Outcome }>(() => undefined), { concurrency: 1, timeoutMs: 10, abortGraceMs: 10 });
  assert.equal(run.settled[0]!.outcome.kind, 'timeout');
});

test('read-ahead is exactly two queues: with 2 slots busy, 4 items are taken and no fifth', async () => {
  let produced = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  async function* jobs() {
    for (let i = 0; i < 10; i++) {
      produced++;
      yield i;
    }
  }
  const pending = runPool(jobs(), async () => {
    await gate;
    return exited(0);
  }, { concurrency: 2 });
  await sleep(50);
  assert.equal(produced, 4);
  release();
  assert.equal((await pending).settled.length, 10);
});

test('hundreds of jobs on one cancel signal raise no listener warning', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.name);
  process.on('warning', onWarning);
  try {
    const ctl = new AbortController();
    await runPool(Array.from({ length: 40 }, (_, i) => i), async () => {
      await sleep(5);
      return exited(0);
    }, { concurrency: 40, signal: ctl.signal });
    await sleep(10);
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings, []);
});
