/**
 * OpenSSH host patterns (ssh_config(5) PATTERNS, sshd(8) known_hosts host field).
 *
 * `*` matches zero or more characters, `?` exactly one; nothing else is special.
 * A pattern list is a set of patterns, each optionally negated with a leading `!`.
 */

/**
 * Glob-match `name` against one pattern. Case-insensitive by default, like OpenSSH's
 * match_hostname(), which lowercases both the name and the pattern.
 * `Host` lines in ssh_config are the exception: OpenSSH matches them case-sensitively
 * against the name as typed, so the config resolver passes `caseSensitive = true`.
 */
export function matchPattern(name: string, pattern: string, caseSensitive = false): boolean {
  if (!caseSensitive) {
    name = name.toLowerCase();
    pattern = pattern.toLowerCase();
  }
  // Iterative glob with single-star backtracking: linear in practice, no recursion.
  let n = 0;
  let p = 0;
  let starP = -1;
  let starN = 0;
  while (n < name.length) {
    const pc = pattern[p];
    if (pc === '*') {
      starP = p++;
      starN = n;
    } else if (pc !== undefined && (pc === '?' || pc === name[n])) {
      p++;
      n++;
    } else if (starP !== -1) {
      p = starP + 1;
      n = ++starN;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * OpenSSH match_pattern_list() outcome: 1 when a positive pattern matches and no negated one does,
 * -1 when a negated pattern matches (whatever else matches), 0 when nothing matches.
 */
export function matchPatternListResult(name: string, list: readonly string[], caseSensitive = false): -1 | 0 | 1 {
  let positive = false;
  for (const raw of list) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (matchPattern(name, pattern, caseSensitive)) {
      if (negated) return -1;
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

/**
 * True when some positive pattern matches and no negated pattern does.
 * A list holding only negations never matches.
 */
export function matchPatternList(name: string, list: readonly string[], caseSensitive = false): boolean {
  return matchPatternListResult(name, list, caseSensitive) === 1;
}

/** Split a comma-separated pattern list (`a,!b,*.c`) as OpenSSH does: no trimming, no quoting. */
export function splitPatternList(commaList: string): string[] {
  return commaList.split(',');
}

/** True when the pattern holds a wildcard or a negation, so it cannot be looked up by exact name. */
export function isLiteralPattern(pattern: string): boolean {
  return !pattern.startsWith('!') && !pattern.includes('*') && !pattern.includes('?');
}
