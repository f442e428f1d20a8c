import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Write a file so that readers see the old content or the new, never a torn one:
 * write a temporary file in the same folder, fsync it, then rename it over the target.
 * On any failure (full disk included) the temporary file is removed and the target is untouched.
 */
/** A hidden name beside `path` for the copy that is renamed over it. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.lwt-tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = tempPathFor(path);
  const fh = await open(tmp, 'wx', mode);
  try {
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
