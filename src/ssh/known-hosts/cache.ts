/**
 * One parse per known_hosts file version (device, inode, size, mtime), shared by all connections
 * of one SshContext: the context owns the cache, so a library caller decides its lifetime.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { resolve } from 'node:path';
import { parseText } from './parse.js';
import type { ParsedFile } from './types.js';

export interface CacheEntry {
  sig: string;
  parsed: Promise<ParsedFile | undefined>;
}

export function signature(st: Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
}

export async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

export class KnownHostsFiles {
  readonly entries = new Map<string, CacheEntry>();

  async get(file: string, warnings: string[]): Promise<ParsedFile | undefined> {
    const abs = resolve(file);
    let st: Stats | undefined;
    try {
      st = await statOrUndefined(abs);
    } catch (err) {
      warnings.push(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      return undefined;
    }
    if (st === undefined) {
      this.entries.delete(abs);
      return undefined;
    }
    const sig = signature(st);
    const hit = this.entries.get(abs);
    if (hit && hit.sig === sig) return hit.parsed;
    const parsed = readFile(abs, 'utf8').then(
      (text) => parseText(text, file),
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        warnings.push(`${file}: cannot read: ${err.code ?? String(err)}`);
        return undefined;
      },
    );
    this.entries.set(abs, { sig, parsed });
    const result = await parsed;
    if (result === undefined && this.entries.get(abs)?.parsed === parsed) this.entries.delete(abs);
    return result;
  }
}
