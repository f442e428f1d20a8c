import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withFileLock } from '../../../../src/ssh/known-hosts/lock.js';

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lwt-lock-'));
}

/** A pid that is surely not running: a child that has exited and been reaped. */
function deadPid(): number {
  const r = spawnSync('/bin/sh', ['-c', 'echo $$']);
  return Number(r.stdout.toString().trim());
}

test('the lock file holds our pid while fn runs, and is gone after, also when fn throws', async () => {
  const dir = await scratch();
  const target = join(dir, 'known_hosts');
  const seen = await withFileLock(target, async () => readFile(`${target}.lock`, 'utf8'));
  assert.equal(seen, `${process.pid}\n`);
  await assert.rejects(stat(`${target}.lock`), /ENOENT/);
  await assert.rejects(withFileLock(target, async () => {
    throw new Error('boom');
  }), /boom/);
  await assert.rejects(stat(`${target}.lock`), /ENOENT/);
  await rm(dir, { recursive: true });
});

test('holders in one process take turns: never two inside at once', async () => {
  const dir = await scratch();
  const target = join(dir, 'known_hosts');
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 6 }, () =>
      withFileLock(target, async () => {
        inside++;
        most = Math.max(most, inside);
        await new Promise((r) => setTimeout(r, 5));
        inside--;
      }),
    ),
  );
  assert.equal(most, 1);
  await rm(dir, { recursive: true });
});

test('a lock left by a dead process is taken over at once', async () => {
  const dir = await scratch();
  const target = join(dir, 'known_hosts');
  await writeFile(`${target}.lock`, `${deadPid()}\n`);
  assert.equal(await withFileLock(target, async () => 'got it'), 'got it');
  await assert.rejects(stat(`${target}.lock`), /ENOENT/);
  await rm(dir, { recursive: true });
});

test('a lock older than 10 s is stale even when its pid lives (a reused pid)', async () => {
  const dir = await scratch();
  const target = join(dir, 'known_hosts');
  await writeFile(`${target}.lock`, `${process.ppid}\n`);
  const old = new Date(Date.now() - 11_000);
  await utimes(`${target}.lock`, old, old);
  assert.equal(await withFileLock(target, async () => 'taken over'), 'taken over');
  await rm(dir, { recursive: true });
});

test('a lock held by a live process is waited for', async () => {
  const dir = await scratch();
  const target = join(dir, 'known_hosts');
  // Our parent is alive; an empty lock file (a holder between create and write) is not stale either.
  for (const text of [`${process.ppid}\n`, '']) {
    await writeFile(`${target}.lock`, text);
    let entered = false;
    const waiting = withFileLock(target, async () => {
      entered = true;
    });
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(entered, false, `held by ${JSON.stringify(text)}`);
    await rm(`${target}.lock`);
    await waiting;
    assert.equal(entered, true);
  }
  await rm(dir, { recursive: true });
});

/** Give the lock file a modification time in the future: only its pid can make it stale. */
async function fresh(path: string): Promise<void> {
  const later = new Date(Date.now() + 3_600_000);
  await utimes(path, later, later);
}

test('a dead holder is found by its pid alone, whatever the age rule says', async () => {
  const dir = await scratch();
  const target = join(dir, 'known_hosts');
  // Blanks around the pid are how it is written (and how an editor may leave it).
  await writeFile(`${target}.lock`, ` ${deadPid()} \n`);
  await fresh(`${target}.lock`);
  assert.equal(await withFileLock(target, async () => 'got it'), 'got it');
  await rm(dir, { recursive: true });
});

test('a lock whose text is not a positive pid is waited for, not judged by it', async () => {
  const dir = await scratch();
  const target = join(dir, 'known_hosts');
  // No process group -999999 exists: read as a pid, it would look dead.
  await writeFile(`${target}.lock`, '-999999\n');
  await fresh(`${target}.lock`);
  let entered = false;
  const waiting = withFileLock(target, async () => {
    entered = true;
  });
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(entered, false);
  await rm(`${target}.lock`);
  await waiting;
  assert.equal(entered, true);
  await rm(dir, { recursive: true });
});

test('an error other than "exists" is thrown at once, and no file handle is left open', async () => {
  const dir = await scratch();
  await assert.rejects(withFileLock(join(dir, 'no-such-folder', 'known_hosts'), async () => 'never'), { code: 'ENOENT' });
  const fds = async (): Promise<number> => (await readdir('/proc/self/fd')).length;
  const before = await fds();
  for (let i = 0; i < 5; i++) await withFileLock(join(dir, 'known_hosts'), async () => undefined);
  assert.equal(await fds(), before);
  await rm(dir, { recursive: true });
});
