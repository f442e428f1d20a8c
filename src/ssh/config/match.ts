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
}

const UNSUPPORTED_NO_ARG = new Set(['canonical', 'final']);

export function parseMatch(args: string[], warn: (msg: string) => void): MatchCriterion[] {
  const criteria: MatchCriterion[] = [];
  let attributes = 0;
  for (let i = 0; i < args.length; i++) {
    const raw = args[i] as string;
    const negate = raw.startsWith('!');
    const attr = (negate ? raw.slice(1) : raw).toLowerCase();
    if (attr === 'all') {
      if (attributes > 1 || i + 1 < args.length) throw new LineError(`Match '${raw}' cannot be combined with other criteria`);
      criteria.push({ negate, attr: 'all' });
      return criteria;
    }
    attributes++;
    if (UNSUPPORTED_NO_ARG.has(attr)) {
      warn(`Match ${attr} is not supported by lwt: this block never applies`);
      criteria.push({ negate, attr: 'unsupported' });
      continue;
    }
    const arg = args[i + 1];
    if (arg === undefined || arg === '') throw new LineError(`Match ${attr}: missing argument`);
    i++;
    if (attr === 'host' || attr === 'originalhost' || attr === 'user' || attr === 'localuser') {
      criteria.push({ negate, attr, arg });
    } else {
      warn(`Match ${attr} is not supported by lwt: this block never applies`);
      criteria.push({ negate, attr: 'unsupported', arg });
    }
  }
  if (attributes === 0) throw new LineError('Match needs at least one criterion');
  return criteria;
}

export function evalMatch(criteria: MatchCriterion[], subject: MatchSubject): boolean {
  let result = true;
  for (const c of criteria) {
    let r: boolean;
    switch (c.attr) {
      case 'all':
        return result && !c.negate;
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
      default:
        // Unsupported criteria (exec, canonical, final...) never match, negated or not.
        result = false;
        continue;
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
