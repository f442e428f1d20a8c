/**
 * Errors that stop lwt before or outside any job: bad flags, bad files, bad config, a busy
 * lock. Per-host and per-job failures are never thrown: they are Outcomes. An error says what
 * kind of trouble it is; the CLI alone turns a kind into an exit status (cli/exit-status.ts).
 */
export type ErrorKind =
  /** Bad input from the operator: flags, host lists, config files. */
  | 'usage'
  /** Another lwt holds the lock this needs (cron will try again). */
  | 'busy'
  /** What was asked for does not exist yet (e.g. no hosts/ok before the first monitor). */
  | 'not-found';

export class LwtError extends Error {
  constructor(
    message: string,
    readonly kind: ErrorKind = 'usage',
  ) {
    super(message);
    this.name = 'LwtError';
  }
}

/** Bad input from the operator: flags, host lists, config files. */
export class UsageError extends LwtError {
  constructor(message: string) {
    super(message, 'usage');
    this.name = 'UsageError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
