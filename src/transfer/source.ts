/** The local side of a put: the source tree walked once, and the --delete guard. Bad input is a UsageError naming it. */
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import type { Excluder } from './exclude.js';
import { LocalWalkError, walkLocal, type LocalTree } from './local-tree.js';
import { treeRoot } from './paths.js';

/** Walk a local source; an unreadable part is a usage error naming it (nothing was sent). */
export async function walkSource(path: string, what: string, opts: { contents: boolean; followLinks: boolean; excluder: Excluder }): Promise<LocalTree> {
  try {
    const tree = await walkLocal(path, { followLinks: opts.followLinks, followRoot: opts.contents, excluder: opts.excluder, strict: true });
    if (!tree.exists) throw new UsageError(`${what}: no such file or folder`);
    if (opts.contents && tree.kind !== 'tree') throw new UsageError(`${what}: not a folder (a trailing slash means the folder's contents)`);
    // lwt's own leftovers (an interrupted get-all into this folder) are not sent, and said so.
    for (const rel of tree.temps) tree.skipped.push(`${join(path, rel)}: a temporary file of an interrupted lwt run, not sent`);
    return tree;
  } catch (err) {
    if (err instanceof LocalWalkError) throw new UsageError(`${what}: ${err.message}`);
    throw err;
  }
}

/**
 * --delete's checks before anything runs: a folder source, and DEST not spelled as / or the
 * home (the host judges the real path again: see delete-guard.ts). `force` lifts the second.
 */
export function checkDelete(deleting: boolean, tree: LocalTree, dest: string, name: string, contents: boolean, force = false): void {
  if (!deleting) return;
  if (tree.kind !== 'tree') throw new UsageError('--delete needs a folder as the source (it removes what the folder does not have)');
  const root = treeRoot(dest, name, contents);
  if (!force && (root === '/' || root === '.')) throw new UsageError(`--delete refuses to clean ${root === '/' ? 'the root folder /' : 'the remote home folder'} (name a folder below it, or --force-delete-dangerous)`);
}

