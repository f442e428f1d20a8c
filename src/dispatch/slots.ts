/**
 * Dispatch's slots: N per host (channels of the host's one connection) plus local ones, and
 * the hosts' health. A job takes a free slot, preferring hosts it has not failed on; a host
 * whose connection was lost loses its slots at once (their lines go back to the queue, see
 * commands/dispatch.ts) and is probed again with backoff; when a probe connects, its slots
 * come back. A host that failed `maxProbes` probes in a row is given up for this run.
 *
 * Knows nothing of SSH: `probe` says whether a host can be reached now.
 */
export const LOCAL = ':';

export interface Slot {
  /** The host's label, or LOCAL (':', as GNU parallel's joblog names the local machine). */
  host: string;
  /** 1-based within its host. */
  n: number;
}

export type HostState = 'connecting' | 'up' | 'down' | 'dead';

export interface ProbeFailure {
  message: string;
  final?: boolean;
}

export interface SlotPoolOptions {
  hosts: readonly string[];
  perHost: number;
  local: number;
  /** true when the host can be reached now, else why not (`final` when waiting cannot mend it: host key, auth). */
  probe: (host: string) => Promise<true | ProbeFailure>;
  /** Delay before probe number k (1-based) of a host that went down. @default 1 s, 2 s, 4 s … capped at 30 s */
  probeDelayMs?: (k: number) => number;
  /** Failed probes in a row after which a host is given up. @default 5 */
  maxProbes?: number;
  onHostState?: (host: string, state: HostState, why?: string) => void;
}

interface HostEntry {
  state: HostState;
  slots: Slot[];
  failedProbes: number;
  timer?: NodeJS.Timeout;
}

export class SlotPool {
  private readonly hosts = new Map<string, HostEntry>();
  private readonly free: Slot[] = [];
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly opts: SlotPoolOptions) {
    const add = (host: string, count: number, state: HostState): void => {
      const slots = Array.from({ length: count }, (_, i) => ({ host, n: i + 1 }));
      this.hosts.set(host, { state, slots, failedProbes: 0 });
      if (state === 'up') this.free.push(...slots);
    };
    if (opts.local > 0) add(LOCAL, opts.local, 'up');
    for (const h of opts.hosts) add(h, opts.perHost, 'connecting');
  }

  /** Connect every host once; slots of a host become free as it answers. */
  start(): void {
    for (const [host, e] of this.hosts) if (e.state === 'connecting') void this.tryHost(host, e);
  }

  state(host: string): HostState | undefined {
    return this.hosts.get(host)?.state;
  }

  /** Whether a slot can still come: some host is up or may come back. */
  get alive(): boolean {
    for (const e of this.hosts.values()) if (e.state !== 'dead') return true;
    return false;
  }

  /**
   * A free slot, preferring hosts outside `avoid` (where this line already failed); one on an
   * avoided host only when no other host can take work at all. Undefined when no slot can
   * ever come (every host given up, no local slots) or the pool closed or `signal` aborted.
   */
  async acquire(avoid: ReadonlySet<string> = new Set(), signal?: AbortSignal): Promise<Slot | undefined> {
    for (;;) {
      if (this.closed || signal?.aborted || !this.alive) return undefined;
      let i = this.free.findIndex((s) => !avoid.has(s.host));
      if (i < 0 && this.free.length > 0 && !this.someOtherHostLives(avoid)) i = 0;
      if (i >= 0) return this.free.splice(i, 1)[0]!;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.waiters.push(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }

  /** Give a slot back; a slot of a host that went down meanwhile is kept aside until it is back. */
  release(slot: Slot): void {
    if (this.hosts.get(slot.host)?.state === 'up') this.free.push(slot);
    this.wake();
  }

  /** The host's connection failed under a job: its slots leave the pool until a probe connects. */
  hostFailed(host: string, why: string): void {
    const e = this.hosts.get(host);
    if (!e || host === LOCAL || e.state !== 'up') return;
    this.setState(host, e, 'down', why);
    for (let i = this.free.length - 1; i >= 0; i--) if (this.free[i]!.host === host) this.free.splice(i, 1);
    this.scheduleProbe(host, e);
  }

  /** Stop probing; waiting acquirers get undefined. */
  close(): void {
    this.closed = true;
    for (const e of this.hosts.values()) clearTimeout(e.timer);
    this.wake();
  }

  private someOtherHostLives(avoid: ReadonlySet<string>): boolean {
    for (const [host, e] of this.hosts) if (!avoid.has(host) && e.state !== 'dead') return true;
    return false;
  }

  private async tryHost(host: string, e: HostEntry): Promise<void> {
    let ok: true | ProbeFailure;
    try {
      ok = await this.opts.probe(host);
    } catch (err) {
      ok = { message: String(err) };
    }
    if (this.closed) return;
    if (ok === true) {
      e.failedProbes = 0;
      this.setState(host, e, 'up');
      this.free.push(...e.slots);
      this.wake();
      return;
    }
    e.failedProbes++;
    if (ok.final || e.failedProbes >= (this.opts.maxProbes ?? 5)) {
      this.setState(host, e, 'dead', ok.final ? ok.message : `${e.failedProbes} connection attempts failed; last: ${ok.message}`);
      this.wake(); // acquirers re-check whether any slot can still come
      return;
    }
    if (e.state !== 'down') this.setState(host, e, 'down', ok.message);
    this.scheduleProbe(host, e);
  }

  private scheduleProbe(host: string, e: HostEntry): void {
    const delay = (this.opts.probeDelayMs ?? defaultProbeDelayMs)(e.failedProbes + 1);
    // Not unref'd: jobs waiting for this host's slots keep the run alive until it is back or given up.
    e.timer = setTimeout(() => void this.tryHost(host, e), delay);
  }

  private setState(host: string, e: HostEntry, state: HostState, why?: string): void {
    e.state = state;
    this.opts.onHostState?.(host, state, why);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

export function defaultProbeDelayMs(k: number): number {
  return Math.min(30_000, 1000 * 2 ** (k - 1));
}
