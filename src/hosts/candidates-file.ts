import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { UsageError } from '../errors.js';
import { formatHostSpec, specMatches, type HostSpec } from './host-spec.js';
import { describeFsError, parseHostLine, parseHostList, withLocation } from './host-list.js';

/** Text and mode of a host list file; a missing file reads as empty. */
async function readListForEdit(path: string): Promise<{ text: string; mode: number }> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { text, mode: info.mode & 0o777 };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', mode: 0o644 };
    throw new UsageError(`cannot read host list ${path}: ${describeFsError(err)}`);
  }
}

/**
 * Append hosts not already listed (same canonical key) to a host list file, creating it if
 * needed. Existing lines are kept byte for byte. Returns the hosts actually added.
 */
export async function addHosts(path: string, specs: readonly HostSpec[]): Promise<HostSpec[]> {
  const { text, mode } = await readListForEdit(path);
  // Refuse to edit a file that does not parse: appending would bury the error further down.
  const seen = new Set(parseHostList(text, path).map(formatHostSpec));
  const added: HostSpec[] = [];
  for (const spec of specs) {
    const key = formatHostSpec(spec);
    if (seen.has(key)) continue;
    seen.add(key);
    added.push(spec);
  }
  if (added.length === 0) return added;
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  const lines = added.map((s) => `${formatHostSpec(s)}\n`).join('');
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, text + sep + lines, mode);
  return added;
}

/**
 * Remove hosts from a host list file; a pattern matches as in -x (host equal, user and port
 * when given). A line naming only removed hosts is dropped. A range line that loses some of
 * its hosts is kept as a comment and followed by the hosts it still stands for, one per line,
 * so the file says what changed. Comments and other lines are kept. Returns the removed hosts.
 */
export async function removeHosts(path: string, specs: readonly HostSpec[]): Promise<HostSpec[]> {
  const { text, mode } = await readListForEdit(path);
  const removed = new Map<string, HostSpec>();
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    const entries = withLocation(`${path}:${i + 1}`, () => parseHostLine(line));
    const kept = entries.filter((e) => !specs.some((p) => specMatches(p, e)));
    if (kept.length === entries.length) {
      out.push(line);
      return;
    }
    for (const e of entries) if (!kept.includes(e)) removed.set(formatHostSpec(e), e);
    if (kept.length === 0) return;
    const eol = line.endsWith('\r') ? '\r' : '';
    out.push(`# ${line.slice(0, line.length - eol.length).trim()}${eol}`);
    for (const e of kept) out.push(`${formatHostSpec(e)}${eol}`);
  });
  if (removed.size > 0) await writeFileAtomic(path, out.join('\n'), mode);
  return [...removed.values()];
}
