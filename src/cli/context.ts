import { Option, type Command } from 'commander';
import { loadConfig, settingsFor, type Settings } from '../config.js';
import { existsSync } from 'node:fs';
import { resolveHome, homePaths } from '../home.js';
import { setupLogging, type Level } from '../log.js';
import { streamStyles, type ColorWhen, type TextStyle } from '../output/text-style.js';

/** Options every verb understands, before or after the verb's name (read through globalsOf). */
export interface GlobalOptions {
  home?: string;
  config?: string;
  verbose?: number;
  quiet?: boolean;
  color?: ColorWhen;
  rawOutput?: boolean;
}

/**
 * Declare the global options on `cmd`. They are declared on the program and again on every
 * verb: the program parses positional options (so that a verb can pass the words after its
 * command through untouched), and `lwt monitor -q` must still work after the verb's name.
 */
export function addGlobalOptions(cmd: Command): Command {
  return cmd
    .option('--home <DIR>', 'the folder holding hosts/ and tasks/ (default: $LWT_HOME, config, current folder)')
    .option('--config <FILE>', 'config file (default: .lwtrc* / lwt.config.* / package.json "lwt", searched upwards)')
    .addOption(new Option('-v, --verbose', 'more log lines on stderr (twice: debug)').argParser((_v, prev: number | undefined) => (prev ?? 0) + 1))
    .option('-q, --quiet', 'only errors on stderr')
    .addOption(new Option('--color <WHEN>', 'colour host names and failures: auto (on a terminal, unless NO_COLOR is set), always, never').choices(['auto', 'always', 'never']))
    .option('--raw-output', "print hosts' control characters as they are (default: shown as ^X on a terminal, so output cannot move the cursor or retitle the window)");
}

/**
 * The global options as given before and after the verb: the nearer one wins (commander's
 * optsWithGlobals lets the program's win), -v counts add up.
 */
export function globalsOf(cmd: Command): GlobalOptions {
  const chain: Command[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) chain.unshift(c);
  const g: GlobalOptions = {};
  for (const c of chain) {
    const o = c.opts<GlobalOptions>();
    if (o.home !== undefined) g.home = o.home;
    if (o.config !== undefined) g.config = o.config;
    if (o.verbose) g.verbose = (g.verbose ?? 0) + o.verbose;
    if (o.quiet) g.quiet = true;
    if (o.color !== undefined) g.color = o.color;
    if (o.rawOutput) g.rawOutput = true;
  }
  return g;
}

export interface CommandContext {
  verb: string;
  home: string;
  settings: Settings;
  configFile?: string;
}

/** Load config, pick the home, start logging: the common first step of every verb. */
export async function prepare(verb: string, g: GlobalOptions, opts: { logToHome?: boolean } = {}): Promise<CommandContext> {
  // A home named by --home or LWT_HOME brings its own config (lwt init wrote it there), found
  // before the current folder's: `lwt --home /srv/fleet …` from cron must not run without it.
  const named = g.home ?? process.env.LWT_HOME;
  let cfg = await loadConfig(g.config ? { file: g.config } : named ? { from: resolveHome(named, undefined) } : {});
  if (!g.config && named && cfg.file === undefined) cfg = await loadConfig({});
  const settings = settingsFor(cfg, verb);
  const home = resolveHome(g.home, settings.home, cfg.file);
  const level: Level = g.quiet
    ? 'error'
    : g.verbose && g.verbose >= 2
      ? 'debug'
      : g.verbose
        ? 'info'
        : ((settings.logLevel as Level | undefined) ?? 'warn');
  setupLogging({
    level,
    verb,
    // Only a real home gets log files: running lwt in any folder must not litter it.
    ...(opts.logToHome !== false && isHome(home) ? { dir: homePaths(home).logs } : {}),
    ...(settings.logMaxBytes ? { maxBytes: settings.logMaxBytes } : {}),
    ...(settings.logTotalBytes ? { totalBytes: settings.logTotalBytes } : {}),
  });
  return { verb, home, settings, ...(cfg.file ? { configFile: cfg.file } : {}) };
}

/** A folder is a home once it has hosts/ or lwt's state folder (lwt init makes both). */
export function isHome(dir: string): boolean {
  const p = homePaths(dir);
  return existsSync(p.hosts) || existsSync(p.state);
}

/** How live output, -b groups and the summary look on this process's stdout and stderr. */
export function outputStyles(g: GlobalOptions): { out: TextStyle; err: TextStyle } {
  return streamStyles(g.color ?? 'auto', g.rawOutput === true);
}
