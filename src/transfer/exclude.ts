/**
 * --exclude-path GLOB, with rsync's reading of a pattern (the subset operators use):
 *   *.log        no slash: matches the last component, at any depth
 *   cache/       trailing slash: folders only
 *   /build       leading slash: anchored at the transfer's root (the inside of SRC)
 *   a/b/*.tmp    a slash inside: matched against the end of the path, at a component boundary
 *   **           any characters including '/'; * and ? never match '/'; [a-z] [!0-9] classes
 * An excluded folder is skipped with everything below it, on both sides: its files are not
 * sent, and (as rsync without --delete-excluded) not deleted either.
 */
import { UsageError } from '../errors.js';
import { parentOf } from './paths.js';

interface Rule {
  pattern: string;
  re: RegExp;
  dirOnly: boolean;
}

export interface Excluder {
  /** Whether the entry itself matches a rule (not its parents). */
  matches(rel: string, isDir: boolean): boolean;
  /** Whether the entry or one of its parent folders is excluded. */
  excludes(rel: string, isDir: boolean): boolean;
  readonly empty: boolean;
}

/** Translate one glob into a regular expression body. */
export function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` also matches no folder at all: a/**/b matches a/b.
        if (glob[i + 2] === '/') {
          out += '(?:.*/)?';
          i += 2;
        } else {
          out += '.*';
          i += 1;
        }
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < glob.length) {
      out += glob[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else {
      out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return out;
}

export function compileExcludes(patterns: readonly string[]): Excluder {
  const rules: Rule[] = patterns.map((pattern) => {
    if (pattern === '' || /^\/*$/.test(pattern)) throw new UsageError(`--exclude-path '${pattern}': empty pattern`);
    let p = pattern;
    const dirOnly = p.endsWith('/');
    p = p.replace(/\/+$/, '');
    const anchored = p.startsWith('/');
    p = p.replace(/^\/+/, '');
    let body: string;
    try {
      body = globToRegex(p);
      const re = new RegExp(anchored ? `^${body}$` : `(?:^|/)${body}$`, 's');
      return { pattern, re, dirOnly };
    } catch (err) {
      throw new UsageError(`--exclude-path '${pattern}': ${(err as Error).message}`);
    }
  });
  const matches = (rel: string, isDir: boolean): boolean =>
    rel !== '' && rules.some((r) => (!r.dirOnly || isDir) && r.re.test(rel));
  return {
    empty: rules.length === 0,
    matches,
    excludes(rel, isDir) {
      if (rules.length === 0 || rel === '') return false;
      if (matches(rel, isDir)) return true;
      for (let p = parentOf(rel); p !== ''; p = parentOf(p)) if (matches(p, true)) return true;
      return false;
    },
  };
}
