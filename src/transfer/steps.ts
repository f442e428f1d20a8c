/** Helpers both directions of a transfer (push.ts, pull.ts) carry out their plan with. */
import { groupEntries, type Entry } from './entry.js';
import { describeLocalError } from './local-tree.js';
import { depthOf } from './paths.js';
import { SftpError } from './sftp.js';

/**
 * Await one step of a transfer: a failure of that entry is recorded in `problems` and the
 * transfer goes on (false); a lost session ends it (thrown).
 */
export async function guardStep(problems: string[], step: Promise<unknown>): Promise<boolean> {
  try {
    await step;
    return true;
  } catch (err) {
    if (err instanceof SftpError && err.lost) throw err;
    problems.push(err instanceof Error && !(err as NodeJS.ErrnoException).code ? err.message : describeLocalError(err));
    return false;
  }
}

/** Entries grouped by depth: parents first (mkdir), or deepest first (delete). */
export function byDepth(entries: readonly Entry[], deepestFirst: boolean): Entry[][] {
  const groups = groupEntries(entries, (e) => depthOf(e.rel));
  return [...groups.keys()].sort((a, b) => (deepestFirst ? b - a : a - b)).map((k) => groups.get(k)!);
}
