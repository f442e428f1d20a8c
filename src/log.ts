import type Log4js from 'log4js';
import { accessSync, constants, mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { lazyFileAppender } from './log-file.js';
import { log4js as load } from './packages.js';
import type { LogSink } from './core/log-sink.js';

export type Level = 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface LogSetup {
  /** stderr level. */
  level: Level;
  /** Folder for log files (the home's .lwt/logs); none: stderr only. */
  dir?: string;
  /** One file's size before it rolls. @default 5 MiB */
  maxBytes?: number;
  /** All files in `dir` together; oldest go first. @default 50 MiB */
  totalBytes?: number;
  /** Files kept in `dir`, at most. @default 200 */
  maxFiles?: number;
  /** Files older than this go. @default 30 days */
  maxAgeMs?: number;
  /** Verb in the file name, so an operator finds a run's log. */
  verb: string;
}

const PATTERN_STDERR = 'lwt: %p: %m';
const PATTERN_FILE = '%d{ISO8601_WITH_TZ_OFFSET} %p %m';

/**
 * stderr gets human lines at the chosen level; the file gets everything from debug up.
 * One file per process (rolling is not safe with two writers on one file, and cron runs
 * overlap): lwt-<verb>-<time>-<pid>.log, created at its first line (log-file.ts), rolled at
 * maxBytes; the folder is pruned at start by age, count and total size. A folder lwt cannot
 * write (a read-only home, another user's) costs one warning line, never the run.
 */
export function setupLogging(setup: LogSetup): void {
  const appenders: Record<string, Log4js.Appender> = {
    stderr: { type: 'stderr', layout: { type: 'pattern', pattern: PATTERN_STDERR } },
    stderrFiltered: { type: 'logLevelFilter', appender: 'stderr', level: setup.level } as Log4js.Appender,
  };
  const use = ['stderrFiltered'];
  threshold = LEVELS.indexOf(setup.level);
  const warnOnce = (message: string): void => void process.stderr.write(`lwt: WARN: ${message}\n`);
  if (setup.dir) {
    try {
      mkdirSync(setup.dir, { recursive: true, mode: 0o700 });
      accessSync(setup.dir, constants.W_OK);
      pruneLogs(setup.dir, {
        totalBytes: setup.totalBytes ?? 50 * 1024 * 1024,
        maxFiles: setup.maxFiles ?? 200,
        maxAgeMs: setup.maxAgeMs ?? 30 * 24 * 3600 * 1000,
      });
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
      appenders.file = {
        type: lazyFileAppender({
          path: join(setup.dir, `lwt-${setup.verb}-${stamp}-${process.pid}.log`),
          maxBytes: setup.maxBytes ?? 5 * 1024 * 1024,
          pattern: PATTERN_FILE,
          onError: warnOnce,
        }),
      };
      appenders.fileFiltered = { type: 'logLevelFilter', appender: 'file', level: 'debug' } as Log4js.Appender;
      use.push('fileFiltered');
      threshold = LEVELS.indexOf('debug');
    } catch (err) {
      warnOnce(`no log file in ${setup.dir} (${(err as NodeJS.ErrnoException).code ?? String(err)}): logging to stderr only`);
    }
  }
  config = { appenders, categories: { default: { appenders: use, level: 'trace' } } };
  loaded?.configure(config);
}

/**
 * Oldest first: every file past `maxAgeMs`, then until at most `maxFiles` are left and they
 * fit in `totalBytes` together. Empty files go whatever their age (older versions left one
 * per run).
 */
export function pruneLogs(dir: string, limits: { totalBytes: number; maxFiles: number; maxAgeMs: number }, now = Date.now()): void {
  const files = readdirSync(dir)
    .filter((f) => f.startsWith('lwt-') && f.includes('.log'))
    .flatMap((f) => {
      try {
        const st = statSync(join(dir, f));
        return [{ path: join(dir, f), size: st.size, mtime: st.mtimeMs }];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.mtime - b.mtime);
  const remove = (path: string): void => {
    try {
      unlinkSync(path);
    } catch {
      /* another process pruned it */
    }
  };
  const kept = files.filter((f) => {
    const stale = f.size === 0 || now - f.mtime > limits.maxAgeMs;
    if (stale) remove(f.path);
    return !stale;
  });
  let total = kept.reduce((n, f) => n + f.size, 0);
  let count = kept.length;
  for (const f of kept) {
    if (total <= limits.totalBytes && count <= limits.maxFiles) break;
    remove(f.path);
    total -= f.size;
    count--;
  }
}

/**
 * log4js is loaded at the first line that goes somewhere, not at start: loading it costs
 * about as much as the rest of a `lwt --version`, and most runs log nothing (a line below the
 * stderr level with no log file goes nowhere). Until setupLogging, nothing goes anywhere
 * (log4js's own default level is OFF).
 */
const LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error'];
let loaded: typeof Log4js | undefined;
let config: Log4js.Configuration | undefined;
let threshold = Infinity;

function log4js(): typeof Log4js {
  if (!loaded) {
    loaded = load();
    if (config) loaded.configure(config);
  }
  return loaded;
}

export type Logger = LogSink & { error(message: string): void };

export function logger(category = 'lwt'): Logger {
  const at = (level: Level) => (message: string): void => {
    if (LEVELS.indexOf(level) >= threshold) log4js().getLogger(category)[level](message);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Flush file appenders; log4js writes asynchronously and loses lines without this. */
export function shutdownLogging(): Promise<void> {
  const l = loaded;
  return l ? new Promise((resolve) => l.shutdown(() => resolve())) : Promise.resolve();
}
