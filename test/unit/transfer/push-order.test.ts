import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentCache, pushPlan } from '../../../src/transfer/push.js';
import { Semaphore } from '../../../src/transfer/semaphore.js';
import { SftpError, type SftpSession } from '../../../src/transfer/sftp.js';
import type { Entry } from '../../../src/transfer/entry.js';
import type { Plan } from '../../../src/transfer/plan.js';

/**
 * An SFTP session that answers only when the test says so, and logs every request when it is
 * sent ("send rename /r/a/x") and when it is answered ("done rename /r/a/x").
 */
function fakeSession(refuse: Set<string>) {
  const log: string[] = [];
  const pending: Array<() => void> = [];
  const request = <T>(op: string, path: string, value?: T): Promise<T> => {
    log.push(`send ${op} ${path}`);
    return new Promise<T>((resolve, reject) => {
      pending.push(() => {
        log.push(`done ${op} ${path}`);
        if (refuse.has(`${op} ${path}`)) reject(new SftpError(op, path, 4, 'failure'));
        else resolve(value as T);
      });
    });
  };
  const tmp = (path: string): string => path.replace(/\.lwt-tmp-[^/]*$/, 'TMP');
  const session = {
    maxChunk: 32 * 1024,
    maxHandles: Infinity,
    bytes: new Semaphore(4 * 1024 * 1024),
    open: (path: string) => request('open', tmp(path), Buffer.from(path)),
    write: (h: Buffer) => request<void>('write', tmp(h.toString())),
    fsetstat: (h: Buffer) => request<void>('fsetstat', tmp(h.toString())),
    closeHandle: (h: Buffer) => request<void>('close', tmp(h.toString())),
    rename: (from: string, to: string) => request<void>('rename', to),
    setstat: (path: string) => request<void>('setstat', path),
    unlink: (path: string) => request<void>('unlink', tmp(path)),
  };
  /** Answer everything sent so far, then let the transfer send what follows. */
  const answerAll = async (): Promise<void> => {
    for (const answer of pending.splice(0)) answer();
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  return { session: session as unknown as SftpSession, log, pending, answerAll };
}

const file = (rel: string): Entry => ({ rel, type: 'f', mode: 0o644, size: 3, mtime: 1000 });
const dir = (rel: string, mode: number): Entry => ({ rel, type: 'd', mode, size: 0, mtime: 1000 });

function planOf(files: Entry[], dirAttrs: Entry[]): Plan {
  return { removeTemps: [], deletes: [], mkdirs: [], files, links: [], fileAttrs: [], dirAttrs, conflicts: [], unchanged: 0 };
}

test('pushPlan: a folder\'s mode and mtime are sent right behind the renames into it, before their answers; a folder made read-only waits for them', async () => {
  const local = await mkdtemp(join(tmpdir(), 'lwt-push-order-'));
  try {
    for (const d of ['a', 'b']) {
      await mkdir(join(local, d));
      await writeFile(join(local, d, 'x'), 'new');
    }
    const fake = fakeSession(new Set());
    const plan = planOf([file('a/x'), file('b/x')], [dir('a', 0o755), dir('b', 0o555)]);
    const input = { sftp: fake.session, plan, remote: (rel: string) => `/r/${rel}`, local: (rel: string) => join(local, rel), cache: new ContentCache(), onBytes: () => undefined };
    let done = false;
    const pushed = pushPlan(input).then((r) => ((done = true), r));
    for (let round = 0; round < 20 && !done; round++) await fake.answerAll();
    const res = await pushed;
    assert.deepEqual({ sent: res.filesSent, bytes: res.bytesSent, problems: res.problems }, { sent: 2, bytes: 6, problems: [] });
    const at = (line: string): number => {
      const i = fake.log.indexOf(line);
      assert.ok(i >= 0, `${line} in ${fake.log.join(', ')}`);
      return i;
    };
    const lastRenameSent = Math.max(at('send rename /r/a/x'), at('send rename /r/b/x'));
    const firstRenameDone = Math.min(at('done rename /r/a/x'), at('done rename /r/b/x'));
    const lastRenameDone = Math.max(at('done rename /r/a/x'), at('done rename /r/b/x'));
    assert.ok(at('send setstat /r/a') > lastRenameSent, 'behind every rename');
    assert.ok(at('send setstat /r/a') < firstRenameDone, 'without waiting for the renames\' answers');
    assert.ok(at('send setstat /r/b') > lastRenameDone, 'a folder without owner write waits for the answers');
  } finally {
    await rm(local, { recursive: true, force: true });
  }
});

test('pushPlan: a refused rename is a problem of that file, its temporary copy removed, not counted as sent', async () => {
  const local = await mkdtemp(join(tmpdir(), 'lwt-push-order-'));
  try {
    await writeFile(join(local, 'x'), 'new');
    await writeFile(join(local, 'y'), 'new');
    const fake = fakeSession(new Set(['rename /r/y']));
    const plan = planOf([file('x'), file('y')], [dir('', 0o755)]);
    const input = { sftp: fake.session, plan, remote: (rel: string) => (rel === '' ? '/r' : `/r/${rel}`), local: (rel: string) => join(local, rel), cache: new ContentCache(), onBytes: () => undefined };
    let done = false;
    const pushed = pushPlan(input).then((r) => ((done = true), r));
    for (let round = 0; round < 20 && !done; round++) await fake.answerAll();
    const res = await pushed;
    assert.equal(res.filesSent, 1);
    assert.equal(res.bytesSent, 3);
    assert.deepEqual(res.problems, ['rename /r/y: failure']);
    assert.ok(fake.log.includes('send unlink /r/TMP'), fake.log.join(', '));
    assert.ok(fake.log.includes('send setstat /r'), 'the folder still gets its attributes');
  } finally {
    await rm(local, { recursive: true, force: true });
  }
});
