/**
 * Admission of SSH handshakes. Key exchange and authentication are CPU work on both ends:
 * started all at once (1000 hosts at -p 1000) they share the CPUs, none finishes within its
 * deadline, and every host fails together. The gate lets a few run at once, independently of
 * the fanout (which bounds open connections and running commands); the others wait their
 * turn, and a host's handshake deadline starts when it is admitted, not when it queued.
 */
export type Release = () => void;

export class HandshakeGate {
  private inFlight = 0;
  /** Waiters in arrival order (FIFO: no host waits forever behind later ones). */
  private readonly queue: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`handshakes at once must be a positive integer, got ${limit}`);
  }

  /** Handshakes admitted and not yet released. */
  get active(): number {
    return this.inFlight;
  }

  /** Handshakes waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Wait for a slot. Resolves to the slot's release (call it exactly when the handshake is
   * over, success or not; a second call does nothing), or to undefined when `signal` aborts
   * first: the waiter then leaves the queue and takes no slot.
   */
  admit(signal?: AbortSignal): Promise<Release | undefined> {
    if (signal?.aborted) return Promise.resolve(undefined);
    if (this.inFlight < this.limit) {
      this.inFlight++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.inFlight++;
        resolve(this.releaser());
      };
      const onAbort = (): void => {
        const i = this.queue.indexOf(grant);
        if (i >= 0) this.queue.splice(i, 1);
        resolve(undefined);
      };
      this.queue.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.queue.shift()?.();
    };
  }
}
