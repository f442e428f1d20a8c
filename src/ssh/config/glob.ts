/** glob(3) as Include uses it, without a dependency: only absolute patterns, sorted results. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

function hasGlobMagic(s: string): boolean {
  return /[*?[]/.test(s);
}

/** fnmatch(3) for one path segment: `*`, `?`, `[...]` classes (`!` or `^` negates), `\` escapes. */
function globSegment(pattern: string, name: string): boolean {
  const match = (pi: number, ni: number): boolean => {
    while (pi < pattern.length) {
      const c = pattern[pi] as string;
      if (c === '*') {
        while (pattern[pi] === '*') pi++;
        if (pi === pattern.length) return true;
        for (let k = ni; k <= name.length; k++) if (match(pi, k)) return true;
        return false;
      }
      if (ni >= name.length) return false;
      const n = name[ni] as string;
      if (c === '?') {
        pi++;
        ni++;
        continue;
      }
      if (c === '[') {
        let j = pi + 1;
        let negate = false;
        if (pattern[j] === '!' || pattern[j] === '^') {
          negate = true;
          j++;
        }
        let matched = false;
        let first = true;
        while (j < pattern.length && (first || pattern[j] !== ']')) {
          first = false;
          let lo = pattern[j] as string;
          if (lo === '\\' && j + 1 < pattern.length) lo = pattern[++j] as string;
          if (pattern[j + 1] === '-' && pattern[j + 2] !== undefined && pattern[j + 2] !== ']') {
            const hi = pattern[j + 2] as string;
            if (n >= lo && n <= hi) matched = true;
            j += 3;
          } else {
            if (n === lo) matched = true;
            j++;
          }
        }
        if (j >= pattern.length) {
          // No closing bracket: '[' is literal.
          if (n !== '[') return false;
          pi++;
          ni++;
          continue;
        }
        if (matched === negate) return false;
        pi = j + 1;
        ni++;
        continue;
      }
      let lit = c;
      if (c === '\\' && pi + 1 < pattern.length) lit = pattern[++pi] as string;
      if (lit !== n) return false;
      pi++;
      ni++;
    }
    return ni === name.length;
  };
  return match(0, 0);
}

/** glob(3) for an absolute pattern: sorted matches; leading dots match only explicitly. */
export async function globPaths(pattern: string): Promise<string[]> {
  if (!hasGlobMagic(pattern)) return [pattern];
  let bases = ['/'];
  for (const seg of pattern.split('/')) {
    if (seg === '') continue;
    const next: string[] = [];
    if (!hasGlobMagic(seg)) {
      for (const b of bases) next.push(join(b, seg));
    } else {
      for (const b of bases) {
        let names: string[];
        try {
          names = await readdir(b);
        } catch {
          continue;
        }
        for (const n of names.sort()) {
          if (n.startsWith('.') && !seg.startsWith('.')) continue;
          if (globSegment(seg, n)) next.push(join(b, n));
        }
      }
    }
    bases = next;
  }
  return bases.sort();
}
