/**
 * The bookkeeping of one connect attempt, shared by reaching a host (TCP and banner) and by
 * the handshake after it: which phase it is in, its deadline, the operator's abort, and the
 * words for a stall or a close in that phase.
 */
import { BannerWatch } from './banner-watch.js';
import { closedIn, stalledIn, type ConnectPhase } from './classify-error.js';
import { fail, type ConnectResult } from './connect-result.js';

type Failure = Extract<ConnectResult, { ok: false }>;

export class ConnectClock {
  private readonly watch = new BannerWatch();
  private readonly timer: NodeJS.Timeout;
  private readonly onAbort = (): void => this.onFail(fail('connect-timeout', `${this.label}: connect aborted`));

  /** `onFail` gets the stall at the deadline or the abort; it is called at most once, not after stop(). */
  constructor(
    private readonly label: string,
    private readonly timeoutMs: number,
    public phase: ConnectPhase,
    private readonly signal: AbortSignal | undefined,
    private readonly onFail: (r: Failure) => void,
  ) {
    this.timer = setTimeout(() => {
      const s = stalledIn(this.phase, this.timeoutMs);
      this.onFail(fail(s.reason, `${this.label}: ${s.message}`));
    }, timeoutMs);
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Bytes from the server; true once its identification line has begun (the phase is then `handshake`). */
  feed(chunk: Buffer): boolean {
    if (!this.watch.feed(chunk)) return false;
    if (this.phase !== 'handshake') this.phase = 'handshake';
    return true;
  }

  /** The failure for a close or reset now; `detail` adds the socket's error code. */
  closed(detail?: string): Failure {
    const c = closedIn(this.phase, [this.watch.preBanner, detail].filter(Boolean).join(', ') || undefined);
    return fail(c.reason, `${this.label}: ${c.message}`);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}
