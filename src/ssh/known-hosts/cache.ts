/** One parse per file version, shared by all connections. */
import { readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { resolve } from 'node:path';
import { parseText } from './parse.js';
import type { ParsedFile } from './types.js';

interface CacheEntry {
  sig: string;
  parsed: Promise<ParsedFile | undefined>;
}

export const cache = new Map<string, CacheEntry>();

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

export async function getParsed(file: string, warnings: string[]): Promise<ParsedFile | undefined> {
  const abs = resolve(file);
  let st: Stats | undefined;
  try {
    st = await statOrUndefined(abs);
  } catch (err) {
    warnings.push(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return undefined;
  }
  if (st === undefined) {
    cache.delete(abs);
    return undefined;
  }
  const sig = signature(st);
  const hit = cache.get(abs);
  if (hit && hit.sig === sig) return hit.parsed;
  const parsed = readFile(abs, 'utf8').then(
    (text) => parseText(text, file),
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      warnings.push(`${file}: cannot read: ${err.code ?? String(err)}`);
      return undefined;
    },
  );
  cache.set(abs, { sig, parsed });
  const result = await parsed;
  if (result === undefined && cache.get(abs)?.parsed === parsed) cache.delete(abs);
  return result;
}
