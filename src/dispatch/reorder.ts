/**
 * --keep-order: results leave in input order. A finished line waits until every earlier line
 * has been released (finished, failed, or passed over by --resume); the window bounds how
 * many may wait, and intake pauses while it is full (`room`), so one slow line costs a bounded
 * buffer, not a growing one.
 */
export class Reorder {
  private next = 1;
  private readonly held = new Map<number, () => void>();
  private roomWaiters: Array<() => void> = [];

  constructor(private readonly window: number) {}

  /** Line `seq` is finished; `emit` runs when its turn comes (at once if it is next). */
  add(seq: number, emit: () => void): void {
    this.held.set(seq, emit);
    this.flush();
  }

  /** Line `seq` will never finish here (passed over, or not run because the run was interrupted). */
  skip(seq: number): void {
    this.add(seq, () => undefined);
  }

  get waiting(): number {
    return this.held.size;
  }

  /** Resolves when fewer than `window` results wait (or `signal` aborts). */
  async room(signal?: AbortSignal): Promise<void> {
    while (this.held.size >= this.window && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        this.roomWaiters.push(resolve);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }

  private flush(): void {
    let f: (() => void) | undefined;
    while ((f = this.held.get(this.next)) !== undefined) {
      this.held.delete(this.next);
      this.next++;
      f();
    }
    if (this.held.size < this.window) {
      const w = this.roomWaiters;
      this.roomWaiters = [];
      for (const r of w) r();
    }
  }
}
