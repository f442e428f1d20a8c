/**
 * OpenSSH options given on lwt's command line (`-O KEY=VALUE`, like `ssh -o`): read before the
 * configuration files, so their values win (first obtained wins). An option lwt does not
 * apply is refused here, naming it, before anything runs.
 */
import { UsageError } from '../../errors.js';
import { keywordRule } from './keywords.js';
import { LineError, splitArgs, splitKeyword } from './lexer.js';
import { CANONICAL_NAMES, parseOption } from './options.js';
import type { ConfigEntry, ConfigFile } from './types.js';

export const COMMAND_LINE_SOURCE = 'command line (-O)';

/** The -O options as a configuration file that applies to every host. */
export function commandLineOptions(raws: readonly string[]): ConfigFile {
  const entries: ConfigEntry[] = [];
  raws.forEach((given, i) => {
    const fail = (why: string): never => {
      throw new UsageError(`-O '${given}': ${why}`);
    };
    // Also OpenSSH's own spelling, as clush and pssh users type it: -O -oKey=Value.
    const raw = given.startsWith('-o') ? given.slice(2) : given;
    const split = splitKeyword(raw);
    if (split === undefined || split.keyword === '') return fail('expected KEY=VALUE');
    const lower = split.keyword.toLowerCase();
    if (split.rest === '') fail(`missing value for ${CANONICAL_NAMES[lower] ?? split.keyword}`);
    if (lower === 'host' || lower === 'match' || lower === 'include') fail(`${CANONICAL_NAMES[lower]} is not an option (put it in the config file)`);
    if (!Object.hasOwn(CANONICAL_NAMES, lower)) {
      const rule = keywordRule(lower);
      if (rule.kind === 'unknown') fail(`unknown OpenSSH option ${split.keyword}`);
      if (rule.kind === 'refused' && !rule.rule.harmless.includes(split.rest.toLowerCase())) fail(`${rule.rule.name} is not supported by lwt`);
      return; // Ignored by lwt, as in a config file (README "SSH").
    }
    try {
      const option = parseOption(lower, splitArgs(split.rest), split.rest);
      if (option !== undefined) entries.push({ kind: 'option', line: i + 1, option });
    } catch (err) {
      if (err instanceof LineError) fail(err.message);
      throw err;
    }
  });
  return { source: COMMAND_LINE_SOURCE, userConf: true, entries };
}
