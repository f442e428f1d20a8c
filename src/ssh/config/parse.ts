/** One configuration text to entries: syntax and value checks, independent of the host. */
import { homedir } from 'node:os';
import { UsageError } from '../../errors.js';
import { LineError, matchWords, splitArgs, splitKeyword } from './lexer.js';
import { parseMatch } from './match.js';
import { keywordRule } from './keywords.js';
import { CANONICAL_NAMES, parseOption } from './options.js';
import type { ConfigEntry, ConfigFile, SshConfig } from './types.js';

export function parseFile(text: string, source: string, userConf: boolean, warnings: string[]): ConfigFile {
  const entries: ConfigEntry[] = [];
  const lines = text.split('\n');
  for (let idx = 0; idx < lines.length; idx++) {
    const line = idx + 1;
    // Trailing blanks (and CR, form feed) are not part of the value.
    const text = (lines[idx] as string).replace(/[ \t\r\n\f]+$/, '');
    const split = splitKeyword(text);
    if (split === undefined) continue;
    const lower = split.keyword.toLowerCase();
    const known = Object.hasOwn(CANONICAL_NAMES, lower);
    const name = known ? (CANONICAL_NAMES[lower] as string) : split.keyword;
    try {
      if (split.rest === '') throw new LineError(`missing value for ${name}`);
      if (!known) {
        const rule = keywordRule(lower);
        if (rule.kind === 'refused') entries.push({ kind: 'refused', line, keyword: rule.rule.name, value: split.rest });
        else if (rule.kind === 'unknown') entries.push({ kind: 'unknown', line, keyword: split.keyword });
        continue;
      }
      // Match is read by strdelim on the raw text (matchWords), everything else by argv_split.
      const args = lower === 'match' ? [] : splitArgs(split.rest);
      switch (lower) {
        // A comment alone after Host or Include leaves no word: ssh reads a block that matches
        // nothing, an Include of nothing. An empty quoted word is an error there.
        case 'host':
          if (args.some((a) => a === '')) throw new LineError('missing value for Host');
          entries.push({ kind: 'host', line, patterns: args });
          break;
        case 'match':
          entries.push({
            kind: 'match',
            line,
            criteria: parseMatch(matchWords(split.rest)),
          });
          break;
        case 'include':
          if (args.some((a) => a === '')) throw new LineError('missing value for Include');
          for (const a of args) {
            if (a.startsWith('~') && !userConf) throw new LineError(`bad Include path in a system configuration: '${a}'`);
          }
          entries.push({ kind: 'include', line, args });
          break;
        default: {
          const option = parseOption(lower, args, split.rest);
          if (option !== undefined) entries.push({ kind: 'option', line, option });
        }
      }
    } catch (err) {
      if (err instanceof LineError) throw new UsageError(`${source}:${line}: ${err.message}`);
      throw err;
    }
  }
  return { source, userConf, entries };
}

function* entriesOf(files: ConfigFile[]): Generator<{ file: ConfigFile; entry: ConfigEntry }> {
  for (const file of files) {
    for (const entry of file.entries) {
      yield { file, entry };
      if (entry.kind === 'include') yield* entriesOf(entry.files ?? []);
    }
  }
}

/**
 * An unknown keyword refuses the configuration, as in ssh ("Bad configuration option"). With
 * an IgnoreUnknown somewhere, whether it covers the keyword depends on the host (it is an
 * option like any other): resolving decides then.
 */
export function refuseUnknownKeywords(files: ConfigFile[]): void {
  let firstUnknown: { file: ConfigFile; line: number; keyword: string } | undefined;
  for (const { file, entry } of entriesOf(files)) {
    if (entry.kind === 'option' && entry.option.key === 'ignoreUnknown') return;
    if (entry.kind === 'unknown') firstUnknown ??= { file, line: entry.line, keyword: entry.keyword };
  }
  if (firstUnknown) throw badOption(firstUnknown.file.source, firstUnknown.line, firstUnknown.keyword);
}

export function badOption(source: string, line: number, keyword: string): UsageError {
  return new UsageError(`${source}:${line}: Bad configuration option: ${keyword} (unknown to OpenSSH; IgnoreUnknown skips it)`);
}

/**
 * Parse one configuration text. Include lines are kept but not followed (a warning says so):
 * loadSshConfig follows them.
 */
export function parseSshConfig(text: string, source: string, opts: { home?: string; userConf?: boolean } = {}): SshConfig {
  const warnings: string[] = [];
  const file = parseFile(text, source, opts.userConf ?? true, warnings);
  refuseUnknownKeywords([file]);
  for (const e of file.entries) {
    if (e.kind === 'include') warnings.push(`${source}:${e.line}: Include is not followed when parsing text alone`);
  }
  return { files: [file], warnings, home: opts.home ?? homedir() };
}
