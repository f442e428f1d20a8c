/** One file, folder or symlink of a transfer, on either side, named relative to its root. */
export type EntryType = 'f' | 'd' | 'l';

export interface Entry {
  /** Path below the root; '' is the root itself. */
  rel: string;
  type: EntryType;
  /** Permission bits, 07777. */
  mode: number;
  /** Bytes (files); 0 for folders and links where it means nothing. */
  size: number;
  /** Modification time in seconds since the epoch, fractions allowed. */
  mtime: number;
  /** Access time in seconds, when known (local side). */
  atime?: number;
  /** Symlink target text. */
  target?: string;
  /** SHA-256 (hex) of a file's content, when asked for (--checksum). */
  sha256?: string;
}

/** A whole-second view of mtime: SFTP v3 carries whole seconds, so that is what both sides can agree on. */
export function mtimeSecond(e: Entry): number {
  return Math.floor(e.mtime);
}

export const typeName = (t: EntryType): string => (t === 'f' ? 'file' : t === 'd' ? 'folder' : 'symlink');

/** Entries grouped by a key, keys in order of first appearance (Map.groupBy is Node 21+). */
export function groupEntries<K>(entries: readonly Entry[], key: (e: Entry) => K): Map<K, Entry[]> {
  const groups = new Map<K, Entry[]>();
  for (const e of entries) {
    const k = key(e);
    const g = groups.get(k);
    if (g) g.push(e);
    else groups.set(k, [e]);
  }
  return groups;
}
