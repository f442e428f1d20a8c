/**
 * An exclusive lock between processes on a file that is rewritten by read-modify-rename
 * (known_hosts): a sibling `FILE.lock` created with O_EXCL. Node has no flock(2); a lock file
 * whose holder died is taken over by the stale rule below.
 */
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** A holder never keeps the lock longer than a read, a parse and a rename; older means dead. */
const STALE_MS = 10_000;
/** How long to wait for a live holder before giving up with a message. */
const WAIT_MS = 15_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the lock at `path` was left by a process that is gone (or is older than STALE_MS). */
async function isStale(path: string): Promise<boolean> {
  try {
    const [st, text] = await Promise.all([stat(path), readFile(path, 'utf8')]);
    if (Date.now() - st.mtimeMs > STALE_MS) return true;
    const pid = Number(text.trim());
    // An empty file is a holder between create and write: not stale yet.
    return Number.isInteger(pid) && pid > 0 && !alive(pid);
  } catch {
    return false; // gone meanwhile: the next attempt takes it
  }
}

/** Run `fn` holding the lock `target + '.lock'`; retries with backoff, bounded by WAIT_MS. */
export async function withFileLock<T>(target: string, fn: () => Promise<T>): Promise<T> {
  const path = `${target}.lock`;
  const deadline = Date.now() + WAIT_MS;
  let delay = 2;
  for (;;) {
    try {
      const fh = await open(path, 'wx', 0o600);
      try {
        await fh.writeFile(`${process.pid}\n`);
      } finally {
        await fh.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await isStale(path)) {
      await unlink(path).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${target} is locked by another process (${path}); remove it if no lwt is running`);
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 100);
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}
