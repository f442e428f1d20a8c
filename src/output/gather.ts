import type { JobResult } from '../runner/results.js';
import { PLAIN, type TextStyle } from './text-style.js';

/**
 * `-b` (like clush -b / dshbak -c): hosts whose output is identical are printed once, under a
 * header naming them as compact ranges. stdout and stderr are compared together; stderr is
 * shown after stdout, its lines marked.
 */
export function formatGathered(records: readonly JobResult[], fold: (labels: string[]) => string, style: TextStyle = PLAIN): string {
  const groups = new Map<string, { labels: string[]; stdout: string; stderr: string }>();
  for (const r of records) {
    if (!r.stdout && !r.stderr) continue;
    const key = `${r.stdout}\0${r.stderr}`;
    const g = groups.get(key);
    if (g) g.labels.push(r.label);
    else groups.set(key, { labels: [r.label], stdout: r.stdout, stderr: r.stderr });
  }
  const blocks: string[] = [];
  for (const g of [...groups.values()].sort((a, b) => b.labels.length - a.labels.length)) {
    const name = `${fold(g.labels)} (${g.labels.length})`;
    const rule = '-'.repeat(Math.min(Math.max(name.length, 16), 78));
    const body = [withNewline(g.stdout), g.stderr ? withNewline(g.stderr).replace(/^/gm, 'stderr: ').replace(/stderr: $/, '') : '']
      .join('');
    blocks.push(`${rule}\n${style.label(name)}\n${rule}\n${style.clean(body)}`);
  }
  return blocks.join('');
}

function withNewline(s: string): string {
  return s === '' || s.endsWith('\n') ? s : `${s}\n`;
}
