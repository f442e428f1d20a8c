import { open, readFile, unlink, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { LwtError } from './errors.js';

export interface LockInfo {
  pid: number;
  host: string;
  since: string;
  verb: string;
}

export interface HomeLock {
  release(): Promise<void>;
}

/**
 * An exclusive lock file in the home (created with O_EXCL, holding pid, host and start time).
 * A lock whose process is gone (same host, pid not alive) is stale and taken over; a live one
 * makes this call fail at once with a message naming the holder. Taking over re-checks that
 * the file is still the stale one right before removing it, which leaves a window of
 * microseconds in which two takers could both win; both would need to find the same stale
 * lock at the same instant.
 */
export async function acquireHomeLock(path: string, verb: string): Promise<HomeLock> {
  const mine: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString(), verb };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o644);
      try {
        await fh.writeFile(JSON.stringify(mine) + '\n');
        await fh.sync();
      } finally {
        await fh.close();
      }
      return {
        release: async () => {
          const now = await readLock(path);
          if (now && now.pid === mine.pid && now.since === mine.since) await unlink(path).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readLock(path);
    if (holder && !isStale(holder)) {
      throw new LwtError(
        `another lwt ${holder.verb} holds ${path} (pid ${holder.pid} on ${holder.host} since ${holder.since}, ${Math.round((Date.now() - Date.parse(holder.since)) / 1000)} s ago); not starting`,
        'busy',
      );
    }
    // Stale (or unreadable and old): remove it if it is still the same file, then retry.
    const st = await stat(path).catch(() => undefined);
    const again = await readLock(path);
    if (JSON.stringify(again) === JSON.stringify(holder) && (holder || (st && Date.now() - st.mtimeMs > 60_000))) {
      await unlink(path).catch(() => undefined);
    } else if (!holder) {
      // Being written right now by another process: give it a moment.
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new LwtError(`could not take the lock ${path}: it changed hands while we tried`, 'busy');
}

/** Who holds the lock at `path` now, if anyone readable. */
export function lockHolder(path: string): Promise<LockInfo | undefined> {
  return readLock(path);
}

async function readLock(path: string): Promise<LockInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(path, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
}

function isStale(l: LockInfo): boolean {
  if (l.host !== hostname()) return false; // another machine's process: we cannot tell; never steal it
  try {
    process.kill(l.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
