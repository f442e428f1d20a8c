/** Host and Match lines: parsing Match criteria, and deciding whether a block applies. */
import { matchPattern, matchPatternListResult, splitPatternList } from '../host-patterns.js';
import { LineError } from './lexer.js';
import type { MatchCriterion } from './types.js';

/** What Match criteria see of the resolution so far. */
export interface MatchSubject {
  /** HostName obtained so far (expanded), or the name given; computed only for `Match host`. */
  host: () => string;
  originalHost: string;
  /** User obtained so far, or the local user. */
  user: string;
  localUser: string;
  /** ssh's second ("final") reading of the files: `canonical` and `final` match only then. */
  finalPass: boolean;
  /** A `Match final` or `Match !final` was read: ssh will read the files a second time. */
  wantFinalPass: () => void;
}

/** The criteria of OpenSSH 9.2 that take an argument; any other word is an error there too. */
const WITH_ARG = new Set(['host', 'originalhost', 'user', 'localuser', 'exec']);

/** Match criteria from the line's words (lexer.ts matchWords: `=` is already a separator there). */
export function parseMatch(words: string[]): MatchCriterion[] {
  const criteria: MatchCriterion[] = [];
  let attributes = 0;
  for (let i = 0; i < words.length; i++) {
    const raw = words[i] as string;
    // An empty word ends the criteria, and so does a comment, as in match_cfg_line.
    if (raw === '' || raw.startsWith('#')) break;
    const negate = raw.startsWith('!');
    const attr = (negate ? raw.slice(1) : raw).toLowerCase();
    if (attr === 'all') {
      const next = words[i + 1];
      if (attributes > 1 || (next !== undefined && next !== '' && !next.startsWith('#'))) throw new LineError(`Match '${raw}' cannot be combined with other criteria`);
      criteria.push({ negate, attr: 'all' });
      return criteria;
    }
    attributes++;
    if (attr === 'canonical' || attr === 'final') {
      criteria.push({ negate, attr });
      continue;
    }
    if (!WITH_ARG.has(attr)) throw new LineError(`Unsupported Match attribute ${raw}`);
    const arg = words[i + 1];
    if (arg === undefined || arg === '' || arg.startsWith('#')) throw new LineError(`Match ${attr}: missing argument`);
    i++;
    criteria.push({ negate, attr: attr as MatchCriterion['attr'], arg });
  }
  if (attributes === 0) throw new LineError('Match needs at least one criterion');
  return criteria;
}

/**
 * Whether the block applies, as OpenSSH's match_cfg_line decides; `exec` when a `Match exec`
 * would have to run its command to decide (lwt does not run it: the caller refuses the host).
 * Every criterion is looked at, as in ssh: a `final` anywhere asks for the second pass.
 */
export function evalMatch(criteria: MatchCriterion[], subject: MatchSubject): boolean | 'exec' {
  let result = true;
  for (const c of criteria) {
    let r: boolean;
    switch (c.attr) {
      case 'all':
        return result && !c.negate;
      case 'canonical':
      case 'final':
        // OpenSSH 9.2 asks for the final pass on `!final` too (match_cfg_line ignores the negation there).
        if (c.attr === 'final') subject.wantFinalPass();
        r = subject.finalPass;
        break;
      case 'exec':
        // ssh runs the command only while every criterion before it matched.
        if (result) return 'exec';
        continue;
      case 'host':
        r = matchPatternListResult(subject.host(), splitPatternList(c.arg ?? '')) === 1;
        break;
      case 'originalhost':
        r = matchPatternListResult(subject.originalHost, splitPatternList(c.arg ?? '')) === 1;
        break;
      case 'user':
        r = matchPatternListResult(subject.user, splitPatternList(c.arg ?? ''), true) === 1;
        break;
      case 'localuser':
        r = matchPatternListResult(subject.localUser, splitPatternList(c.arg ?? ''), true) === 1;
        break;
    }
    if (r === c.negate) result = false;
  }
  return result;
}

export function hostLineMatches(patterns: string[], host: string): boolean {
  // OpenSSH's Host line: match_pattern() per word, case-sensitive on the name as given;
  // commas are not separators here; one negated match rejects the block.
  let active = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pat = negated ? raw.slice(1) : raw;
    if (matchPattern(host, pat, true)) {
      if (negated) return false;
      active = true;
    }
  }
  return active;
}
