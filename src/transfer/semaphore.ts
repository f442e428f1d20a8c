import pLimit from 'p-limit';

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

/**
 * Run `fn` over `items` with at most `limit` at once (p-limit, as the pool); after the first
 * error nothing new starts, and the call rejects with that error once the started ones settled.
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const run = pLimit(Math.max(1, limit));
  let failure: { error: unknown } | undefined;
  await Promise.all(
    items.map((item) =>
      run(async () => {
        if (failure) return;
        try {
          await fn(item);
        } catch (error) {
          failure ??= { error };
        }
      }),
    ),
  );
  if (failure) throw failure.error;
}
