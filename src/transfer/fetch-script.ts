/**
 * get-all's file contents in ONE remote stream per host, read by a script that never opens
 * anything outside REMOTE, never blocks on a special file and never reads past the listed
 * size. SFTP cannot give that: OpenSSH's sftp-server opens paths with plain open(2) (no
 * O_NOFOLLOW, no O_NONBLOCK), so a folder swapped for a symlink between the listing and the
 * OPEN makes it read outside REMOTE (and SFTP attributes carry no inode to notice it), and a
 * file swapped for a FIFO blocks it for good.
 *
 * Per folder, the script enters it with `cd -P` and checks `pwd -P` against the folder's real
 * path below REMOTE's real path: once entered, the working folder is pinned, so a component
 * swapped for a symlink before the cd is seen, and one swapped after it no longer matters.
 * Each file is then opened relative to it by GNU dd with `iflag=nofollow,nonblock`: the last
 * component is not followed, and a FIFO or device opens without blocking (a FIFO without a
 * writer reads as empty). dd reads at most the listed size + 1 byte: one more byte than
 * listed means the file grew, and only the listed bytes are kept.
 *
 * Stream, per file in `order`: `E\0<reason>\0` (not read), or `D\0` + exactly size+1 bytes
 * (the data, padded with zeros) + `<bytes dd read>\0` (`x` when dd could not open it).
 */
import { shellQuote } from '../core/shell-quote.js';
import { groupEntries, type Entry } from './entry.js';
import { joinRemote, parentOf } from './paths.js';

export interface FetchOrder {
  /** Files in the order the stream carries them (grouped by folder). */
  order: Entry[];
  script: string;
}

/** The script that streams `files` (relative names below REMOTE, whose real path is `realRoot`). */
export function fetchScript(realRoot: string, files: readonly Entry[], followLinks: boolean): FetchOrder {
  const flags = followLinks ? 'nonblock,count_bytes' : 'nofollow,nonblock,count_bytes';
  const lines = [
    'LC_ALL=C; export LC_ALL',
    'exec 3>&1',
    // $1 name in the working folder, $2 bytes to read (listed size + 1).
    'g() {',
    // With -L the operator asked for what links point to: only the type of the target counts.
    `  if ${followLinks ? '' : '[ -h "./$1" ] || '}[ ! -f "./$1" ]; then printf 'E\\0not a regular file on the host any more\\0'; return; fi`,
    `  printf 'D\\0'`,
    `  n=$(dd if="./$1" iflag=${flags} count="$2" bs=65536 2>&1 >&3 | sed -n 's/^\\([0-9][0-9]*\\) bytes.*/\\1/p')`,
    '  [ -n "$n" ] || n=x',
    '  [ "$n" = x ] && k=0 || k=$n',
    '  [ "$k" -lt "$2" ] && head -c $(($2 - k)) /dev/zero',
    `  printf '%s\\0' "$n"`,
    '}',
    // $1 reason, $2 how many files.
    `e() { i=0; while [ $i -lt "$2" ]; do printf 'E\\0%s\\0' "$1"; i=$((i + 1)); done; }`,
  ];
  const order: Entry[] = [];
  for (const [dir, list] of byFolder(files)) {
    const real = joinRemote(realRoot, dir);
    const q = shellQuote(real.startsWith('/') ? real : `./${real}`);
    const check = followLinks ? '' : ` && [ "$(pwd -P)" = ${q} ]`;
    lines.push(`if cd -P -- ${q} 2>/dev/null${check}; then`);
    for (const e of list) lines.push(`  g ${shellQuote(baseName(e.rel))} ${e.size + 1}`);
    lines.push(`else e ${shellQuote(`its folder ${real} is not where it was listed (moved, or a symlink now)`)} ${list.length}; fi`);
    order.push(...list);
  }
  return { order, script: lines.join('\n') + '\n' };
}

/** Files grouped by their folder, folders in order of first appearance: the stream's order. */
export function byFolder(files: readonly Entry[]): Map<string, Entry[]> {
  return groupEntries(files, (e) => parentOf(e.rel));
}

export function baseName(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1);
}

/** What the stream said about one file. */
export type FetchEvent =
  | { type: 'skipped'; entry: Entry; reason: string }
  | { type: 'start'; entry: Entry }
  | { type: 'data'; entry: Entry; data: Buffer }
  | { type: 'end'; entry: Entry; read: number | undefined };

/** Cuts the stream into per-file events; `push` chunks as they come. */
export class FetchReader {
  private i = 0;
  private state: 'tag' | 'reason' | 'data' | 'count' = 'tag';
  private field: Buffer[] = [];
  private left = 0;

  constructor(
    private readonly order: readonly Entry[],
    private readonly on: (ev: FetchEvent) => void,
  ) {}

  /** Files the stream has fully accounted for. */
  get done(): number {
    return this.i;
  }

  push(chunk: Buffer): void {
    let p = 0;
    while (p < chunk.length) {
      const entry = this.order[this.i];
      if (!entry) throw new Error('the host sent more than the files asked for');
      if (this.state === 'data') {
        const n = Math.min(this.left, chunk.length - p);
        // Only the listed bytes are kept: the last one is the "it grew" probe (or padding).
        const keep = Math.min(n, Math.max(0, this.left - 1));
        if (keep > 0) this.on({ type: 'data', entry, data: chunk.subarray(p, p + keep) });
        this.left -= n;
        p += n;
        if (this.left === 0) this.state = 'count';
        continue;
      }
      const nul = chunk.indexOf(0, p);
      const end = nul < 0 ? chunk.length : nul;
      this.field.push(chunk.subarray(p, end));
      p = end;
      if (nul < 0) break;
      p++;
      const text = Buffer.concat(this.field).toString('latin1');
      this.field = [];
      if (this.state === 'tag') {
        if (text === 'E') this.state = 'reason';
        else if (text === 'D') {
          this.on({ type: 'start', entry });
          this.left = entry.size + 1;
          this.state = this.left > 0 ? 'data' : 'count';
        } else throw new Error(`unreadable file stream from the host (tag ${JSON.stringify(text.slice(0, 20))})`);
      } else if (this.state === 'reason') {
        this.on({ type: 'skipped', entry, reason: Buffer.from(text, 'latin1').toString('utf8') });
        this.next();
      } else {
        const read = /^[0-9]+$/.test(text) ? Number(text) : undefined;
        this.on({ type: 'end', entry, read });
        this.next();
      }
    }
  }

  private next(): void {
    this.i++;
    this.state = 'tag';
  }
}
