import { loadConfig, settingsFor, type Settings } from '../config.js';
import { existsSync } from 'node:fs';
import { resolveHome, homePaths } from '../home.js';
import { setupLogging, type Level } from '../log.js';

/** Options every verb understands (declared on the program, read through optsWithGlobals). */
export interface GlobalOptions {
  home?: string;
  config?: string;
  verbose?: number;
  quiet?: boolean;
}

export interface CommandContext {
  verb: string;
  home: string;
  settings: Settings;
  configFile?: string;
}

/** Load config, pick the home, start logging: the common first step of every verb. */
export async function prepare(verb: string, g: GlobalOptions, opts: { logToHome?: boolean } = {}): Promise<CommandContext> {
  const cfg = await loadConfig(g.config ? { file: g.config } : {});
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
