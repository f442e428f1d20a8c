import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import type log4js from 'log4js';

export interface LazyFileOptions {
  path: string;
  /** A file's size before it rolls to .1 (and .1 to .2). */
  maxBytes: number;
  /** log4js pattern layout of a line. */
  pattern: string;
  /** Told once, when the file cannot be created or written; the appender then goes quiet. */
  onError: (message: string) => void;
}

/**
 * A log4js appender that creates its file only when the first line comes (log4js's own
 * file appender creates it at start, and most runs never write a line: 61 of 93 files were
 * empty), 0600 because lines may quote remote output, and that never throws: a home lwt
 * cannot write to (another user's) costs the file, not the run.
 * Writes are synchronous: a line is on disk before a crash or exit can lose it.
 */
export function lazyFileAppender(opts: LazyFileOptions): log4js.AppenderModule {
  let fd: number | undefined;
  let written = 0;
  let failed = false;
  let layout: log4js.LayoutFunction = (e) => String(e.data);
  const fail = (err: unknown): void => {
    failed = true;
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    opts.onError(`cannot write the log file ${opts.path} (${(err as NodeJS.ErrnoException).code ?? String(err)}): logging to stderr only`);
  };
  const roll = (): void => {
    closeSync(fd!);
    fd = undefined;
    try {
      renameSync(`${opts.path}.1`, `${opts.path}.2`);
    } catch {
      /* no .1 yet */
    }
    renameSync(opts.path, `${opts.path}.1`);
  };
  const append = (event: log4js.LoggingEvent): void => {
    if (failed) return;
    try {
      const line = Buffer.from(`${layout(event)}\n`);
      if (fd !== undefined && written + line.length > opts.maxBytes && written > 0) roll();
      if (fd === undefined) {
        fd = openSync(opts.path, 'a', 0o600);
        written = 0;
      }
      writeSync(fd, line);
      written += line.length;
    } catch (err) {
      fail(err);
    }
  };
  return {
    configure: (_config, layouts) => {
      if (layouts) layout = layouts.layout('pattern', { pattern: opts.pattern } as log4js.PatternToken);
      return Object.assign(append, {
        shutdown: (done: (err?: Error) => void) => {
          if (fd !== undefined) closeSync(fd);
          fd = undefined;
          done();
        },
      });
    },
  };
}
