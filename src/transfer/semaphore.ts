/**
 * A counting semaphore with weights: `acquire(n)` waits until n units are free. Used to bound
 * SFTP requests and bytes in flight per host. A weight larger than the capacity is let
 * through alone (when nothing else holds units), so one oversized request cannot deadlock.
 */
export class Semaphore {
  private used = 0;
  private readonly waiting: Array<{ n: number; resolve: () => void }> = [];

  constructor(readonly capacity: number) {}

  /** Take n units if they are free now, without waiting; false when the caller must acquire(). */
  tryAcquire(n = 1): boolean {
    if (this.waiting.length === 0 && this.fits(n)) {
      this.used += n;
      return true;
    }
    return false;
  }

  acquire(n = 1): Promise<void> {
    if (this.waiting.length === 0 && this.fits(n)) {
      this.used += n;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push({ n, resolve }));
  }

  release(n = 1): void {
    this.used -= n;
    while (this.waiting.length > 0 && this.fits(this.waiting[0]!.n)) {
      const w = this.waiting.shift()!;
      this.used += w.n;
      w.resolve();
    }
  }

  private fits(n: number): boolean {
    return this.used + n <= this.capacity || this.used === 0;
  }
}

/** Run `fn` over `items` with at most `limit` at once; rejects with the first error after all started ones settle. */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let firstError: unknown;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        if (!failed) firstError = err;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failed) throw firstError;
}
