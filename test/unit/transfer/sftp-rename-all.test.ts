import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { SftpSession } from '../../../src/transfer/sftp.js';

/** An SFTP wrapper that answers renames later, as the server does, and counts what is in flight. */
function fakeRaw(fail: Set<string>) {
  const raw = Object.assign(new EventEmitter(), {
    _extensions: { 'posix-rename@openssh.com': '1' },
    inFlight: 0,
    most: 0,
    order: [] as string[],
    answers: [] as Array<() => void>,
    ext_openssh_rename(from: string, to: string, cb: (err?: Error & { code?: number }) => void) {
      raw.inFlight++;
      raw.most = Math.max(raw.most, raw.inFlight);
      raw.order.push(`${from}>${to}`);
      raw.answers.push(() => {
        raw.inFlight--;
        cb(fail.has(to) ? Object.assign(new Error('No such file'), { code: 2 }) : undefined);
      });
    },
  });
  return raw;
}

test('renameAll: every pair renamed in order, at most the session\'s request bound in flight, one result per pair', async () => {
  const raw = fakeRaw(new Set(['d/c']));
  const s = new (SftpSession as unknown as new (raw: unknown, limits: object) => SftpSession)(raw, { requests: 2 });
  // Another request of the session holds one slot: renames get the other, then both.
  const other = (s as unknown as { requests: { acquire(): Promise<void>; release(): void } }).requests;
  await other.acquire();
  const pairs = ['a', 'b', 'c', 'e', 'f'].map((n) => [`d/.t-${n}`, `d/${n}`] as const);
  const done = s.renameAll(pairs);
  let rounds = 0;
  let results: Awaited<typeof done> | undefined;
  void done.then((r) => (results = r));
  while (results === undefined && rounds++ < 100) {
    if (rounds === 3) other.release();
    raw.answers.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(results, 'finished');
  assert.equal(raw.most, 2, 'never more than the bound in flight');
  assert.deepEqual(raw.order, pairs.map(([f, t]) => `${f}>${t}`));
  assert.deepEqual(results.map((e) => e?.code), [undefined, undefined, 2, undefined, undefined]);
  assert.match(results[2]!.message, /^rename d\/c: no such file or folder$/);
  assert.deepEqual(await s.renameAll([]), []);
});

test('renameAll on a session that is gone fails every pair as lost, without sending', async () => {
  const raw = fakeRaw(new Set());
  const s = new (SftpSession as unknown as new (raw: unknown, limits: object) => SftpSession)(raw, {});
  raw.emit('close');
  const r = await s.renameAll([['x', 'y'], ['p', 'q']]);
  assert.deepEqual(r.map((e) => e?.lost), [true, true]);
  assert.equal(raw.order.length, 0);
});
