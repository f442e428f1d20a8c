/**
 * Errors that stop lwt before or outside any job: bad flags, bad files, bad config.
 * Per-host and per-job failures are never thrown: they are Outcomes.
 * The CLI turns a LwtError into one line on stderr and its exit status.
 */
export class LwtError extends Error {
  constructor(
    message: string,
    /** 2 for usage and input errors; other values for environment failures. */
    readonly exitStatus: number = 2,
  ) {
    super(message);
    this.name = 'LwtError';
  }
}

/** Bad input from the operator: flags, host lists, config files. Exit status 2. */
export class UsageError extends LwtError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
