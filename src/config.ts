import { readFile } from 'node:fs/promises';
import { stripVTControlCharacters } from 'node:util';
import { UsageError, errorMessage } from './errors.js';
import { cosmiconfig } from './packages.js';
import { noConfigToFind } from './config-absent.js';

/**
 * Settings an operator may keep in a config file instead of typing flags. Precedence:
 * flag > `commands.<verb>` section > top level > built-in default.
 */
export interface Settings {
  /** The folder holding hosts/ and tasks/. */
  home?: string;
  /** Jobs or hosts at once. */
  parallel?: number;
  /** Per-job (per-host) deadline in seconds; 0 means none. */
  timeout?: number;
  /** Per-host connect deadline in seconds (TCP, banner, key exchange, auth). */
  connectTimeout?: number;
  /** SSH handshakes at once across all hosts (key exchange + auth are CPU work). */
  handshakes?: number;
  /** Retries of connection failures. */
  retries?: number;
  /** Per-stream output kept in memory per job, in bytes. */
  outputCap?: number;
  /** OpenSSH client config file (like ssh -F). */
  sshConfig?: string;
  /** stderr log level: error, warn, info, debug, trace. */
  logLevel?: string;
  /** Size of one log file before it rolls, in bytes. */
  logMaxBytes?: number;
  /** Total size of the logs folder; oldest files are removed first. */
  logTotalBytes?: number;
}

export interface LoadedConfig {
  settings: Settings;
  /** Per-verb overrides, already validated. */
  commands: Record<string, Settings>;
  /** The file it came from, for messages; undefined when none was found. */
  file?: string;
}

type Check = (v: unknown) => string | undefined;
const positiveInt: Check = (v) => (Number.isInteger(v) && (v as number) > 0 ? undefined : 'a positive integer');
const nonNegative: Check = (v) => (typeof v === 'number' && v >= 0 && Number.isFinite(v) ? undefined : 'a number ≥ 0');
const positive: Check = (v) => (typeof v === 'number' && v > 0 && Number.isFinite(v) ? undefined : 'a number > 0');
const nonEmptyString: Check = (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'a non-empty string');
const LEVELS = ['error', 'warn', 'info', 'debug', 'trace'];
const level: Check = (v) => (typeof v === 'string' && LEVELS.includes(v) ? undefined : `one of ${LEVELS.join(', ')}`);

const SCHEMA: Record<keyof Settings, Check> = {
  home: nonEmptyString,
  parallel: positiveInt,
  timeout: nonNegative,
  connectTimeout: positive,
  handshakes: positiveInt,
  retries: (v) => (Number.isInteger(v) && (v as number) >= 0 ? undefined : 'an integer ≥ 0'),
  outputCap: positiveInt,
  sshConfig: nonEmptyString,
  logLevel: level,
  logMaxBytes: positiveInt,
  logTotalBytes: positiveInt,
};

/** Validate a parsed config object. Errors name the file and the key. */
export function validateConfig(raw: unknown, file: string): LoadedConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UsageError(`${file}: config must be an object of settings`);
  }
  const commands: Record<string, Settings> = {};
  const settings = validateSettings(raw as Record<string, unknown>, file, '', (key, value) => {
    if (key !== 'commands') return false;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new UsageError(`${file}: commands: must be an object of per-command settings`);
    }
    for (const [verb, section] of Object.entries(value)) {
      if (typeof section !== 'object' || section === null || Array.isArray(section)) {
        throw new UsageError(`${file}: commands.${verb}: must be an object of settings`);
      }
      commands[verb] = validateSettings(section as Record<string, unknown>, file, `commands.${verb}.`);
    }
    return true;
  });
  return { settings, commands, file };
}

function validateSettings(
  raw: Record<string, unknown>,
  file: string,
  prefix: string,
  extra?: (key: string, value: unknown) => boolean,
): Settings {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (extra?.(key, value)) continue;
    const check = SCHEMA[key as keyof Settings];
    if (!check) {
      throw new UsageError(`${file}: ${prefix}${key}: unknown setting (known: ${Object.keys(SCHEMA).join(', ')})`);
    }
    const problem = check(value);
    if (problem) throw new UsageError(`${file}: ${prefix}${key}: must be ${problem}, got ${JSON.stringify(value)}`);
    out[key] = value;
  }
  return out as Settings;
}

/** Where a config is looked for, in each folder from the start upwards. */
export const SEARCH_PLACES = ['package.json', '.lwtrc', '.lwtrc.json', '.lwtrc.yaml', '.lwtrc.yml', 'lwt.config.js', 'lwt.config.mjs', 'lwt.config.cjs'] as const;

function fastJson(file: string, content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    return cosmiconfig().defaultLoaders['.json'](file, content);
  }
}

/**
 * Find and load the config: `.lwtrc`, `.lwtrc.json/.yaml/.yml`, `lwt.config.js/.mjs/.cjs`,
 * or the `lwt` key of package.json, searched from `from` upwards. An explicit file must exist.
 */
export async function loadConfig(opts: { from?: string; file?: string } = {}): Promise<LoadedConfig> {
  const from = opts.from ?? process.cwd();
  if (!opts.file && noConfigToFind(from, SEARCH_PLACES)) return { settings: {}, commands: {} };
  const explorer = cosmiconfig().cosmiconfig('lwt', {
    searchPlaces: [...SEARCH_PLACES],
    searchStrategy: 'global',
    cache: false,
    // JSON.parse first: cosmiconfig's own JSON loader loads parse-json and its code-frame
    // helpers (~8 ms of every start) for each package.json on the way up, where a config rarely
    // is. A file that does not parse goes to that loader, for its message with line and column.
    loaders: { '.json': (file: string, content: string) => fastJson(file, content) },
  });
  let found;
  try {
    found = opts.file ? await explorer.load(opts.file) : await explorer.search(from);
  } catch (err) {
    const message = describeLoadError(errorMessage(err), opts.file ?? 'config');
    throw new UsageError(await withJsonPosition(message));
  }
  if (!found || found.isEmpty) return { settings: {}, commands: {}, ...(found ? { file: found.filepath } : {}) };
  return validateConfig(found.config, found.filepath);
}

/**
 * Some JSON errors name no position ("Unexpected token '}', …"), so cosmiconfig draws no frame;
 * then the file is read again and the place found by `jsonErrorPosition`.
 */
async function withJsonPosition(message: string): Promise<string> {
  const m = /^(.+?): cannot load config: /.exec(message);
  if (!m || /:\d+(:\d+)?$/.test(m[1]!)) return message;
  const text = await readFile(m[1]!, 'utf8').catch(() => undefined);
  const at = text === undefined ? undefined : jsonErrorPosition(text);
  return at ? `${m[1]}:${at.line}:${at.column}${message.slice(m[1]!.length)}` : message;
}

/**
 * Where `text` stops being JSON, 1-based, or undefined when it parses. Every prefix of a
 * valid start is itself a valid start (its only error is at its end), so the longest one is
 * found by bisection, whatever V8's message says.
 */
export function jsonErrorPosition(text: string): { line: number; column: number } | undefined {
  const viable = (n: number): boolean => {
    try {
      JSON.parse(text.slice(0, n));
      return true;
    } catch (err) {
      const msg = (err as Error).message;
      return /Unexpected end of JSON input/.test(msg) || new RegExp(`at position ${n}\\b`).test(msg);
    }
  };
  try {
    JSON.parse(text);
    return undefined;
  } catch {
    /* located below */
  }
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (viable(mid)) lo = mid;
    else hi = mid - 1;
  }
  const before = text.slice(0, lo).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/**
 * One line for a config that does not parse: `FILE:LINE:COLUMN: what`. cosmiconfig's JSON
 * message is a code frame over many lines whose first line is only "JSON Error in FILE:";
 * the line comes from the frame's `>` marker, the column from its caret. The frame is coloured
 * when the environment asks for colour (FORCE_COLOR in CI), so escapes are removed first.
 */
export function describeLoadError(message: string, fallback: string): string {
  const lines = stripVTControlCharacters(message).split('\n');
  const file = /^(?:JSON|YAML) Error in (.+?):\s*$/.exec(lines[0] ?? '')?.[1] ?? fallback;
  const marked = lines.findIndex((l) => /^>\s*\d+ \|/.test(l));
  const line = marked >= 0 ? /^>\s*(\d+)/.exec(lines[marked]!)?.[1] : undefined;
  const caret = marked >= 0 ? lines[marked + 1]?.indexOf('^') : -1;
  const gutter = marked >= 0 ? lines[marked]!.indexOf('|') + 2 : 0;
  const column = caret !== undefined && caret >= gutter ? caret - gutter + 1 : undefined;
  const what = lines.map((l) => l.trim()).find((l) => l && !/^(>?\s*\d+\s*\||\|)/.test(l) && !/Error in /.test(l)) ?? lines[0] ?? 'cannot be read';
  const reason = what.replace(/ in JSON at position \d+.*$/, '').replace(/ while parsing .*$/, '');
  return `${file}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: cannot load config: ${reason}`;
}

/** One command's effective settings: its section over the top level. */
export function settingsFor(cfg: LoadedConfig, verb: string): Settings {
  return { ...cfg.settings, ...cfg.commands[verb] };
}
