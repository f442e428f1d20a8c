/**
 * Where the layers below the CLI send their log lines. The CLI hands in a log4js logger; a
 * library caller hands in its own, or nothing (silent). No module below src/cli reaches for a
 * global logger.
 */
export interface LogSink {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export const silentLog: LogSink = { debug: () => undefined, info: () => undefined, warn: () => undefined };
