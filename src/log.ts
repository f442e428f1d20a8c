import log4js from 'log4js';
import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

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
  /** Verb in the file name, so an operator finds a run's log. */
  verb: string;
}

/**
 * stderr gets human lines at the chosen level; the file gets everything from debug up.
 * One file per process (log4js rolling is not safe with two writers on one file, and cron
 * runs overlap): lwt-<verb>-<time>-<pid>.log, rolled at maxBytes, and the folder is pruned
 * oldest-first to totalBytes at start.
 */
export function setupLogging(setup: LogSetup): void {
  const appenders: Record<string, log4js.Appender> = {
    stderr: { type: 'stderr', layout: { type: 'pattern', pattern: 'lwt: %p: %m' } },
    stderrFiltered: { type: 'logLevelFilter', appender: 'stderr', level: setup.level } as log4js.Appender,
  };
  const use = ['stderrFiltered'];
  if (setup.dir) {
    try {
      mkdirSync(setup.dir, { recursive: true });
      pruneLogs(setup.dir, setup.totalBytes ?? 50 * 1024 * 1024);
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
      appenders.file = {
        type: 'file',
        filename: join(setup.dir, `lwt-${setup.verb}-${stamp}-${process.pid}.log`),
        maxLogSize: setup.maxBytes ?? 5 * 1024 * 1024,
        backups: 2,
        layout: { type: 'pattern', pattern: '%d{ISO8601_WITH_TZ_OFFSET} %p %m' },
      };
      appenders.fileFiltered = { type: 'logLevelFilter', appender: 'file', level: 'debug' } as log4js.Appender;
      use.push('fileFiltered');
    } catch {
      // A read-only home must not stop the work; stderr logging still runs.
    }
  }
  log4js.configure({ appenders, categories: { default: { appenders: use, level: 'trace' } } });
}

/** Oldest first until the folder fits in `totalBytes`. */
export function pruneLogs(dir: string, totalBytes: number): void {
  const files = readdirSync(dir)
    .filter((f) => f.startsWith('lwt-') && f.includes('.log'))
    .map((f) => {
      const st = statSync(join(dir, f));
      return { path: join(dir, f), size: st.size, mtime: st.mtimeMs };
    })
    .sort((a, b) => a.mtime - b.mtime);
  let total = files.reduce((n, f) => n + f.size, 0);
  for (const f of files) {
    if (total <= totalBytes) break;
    try {
      unlinkSync(f.path);
      total -= f.size;
    } catch {
      /* another process pruned it */
    }
  }
}

export const logger = (category = 'lwt'): log4js.Logger => log4js.getLogger(category);

/** Flush file appenders; log4js writes asynchronously and loses lines without this. */
export function shutdownLogging(): Promise<void> {
  return new Promise((resolve) => log4js.shutdown(() => resolve()));
}
