import { formatMs, isSuccess, type Outcome } from '../core/outcome.js';
import type { Screen } from './screen.js';

/**
 * The one-line progress display: done/total, running, failed, elapsed. Redrawn every 250 ms and on
 * events at most every 100 ms; silent when the Screen has no terminal.
 */
export class Progress {
  private done = 0;
  private running = 0;
  private failed = 0;
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private lastDraw = 0;
  /** Bytes moved so far (transfers); shown with the rate once any were counted. */
  private bytes = 0;

  constructor(
    private readonly screen: Screen,
    private readonly total: number | undefined,
    private readonly noun: string,
  ) {
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref();
  }

  jobStarted(): void {
    this.running++;
    this.drawSoon();
  }

  /** An attempt ended (its slot is about to free): it no longer runs. */
  attemptEnded(): void {
    this.running = Math.max(0, this.running - 1);
    this.drawSoon();
  }

  settled(outcome: Outcome): void {
    this.done++;
    if (!isSuccess(outcome)) this.failed++;
    this.drawSoon();
  }

  /** Count bytes moved (transfers); the line then shows the total and the average rate. */
  addBytes(n: number): void {
    this.bytes += n;
  }

  /** At most one redraw per 100 ms from events: 500 hosts must not mean 1000 terminal writes. */
  private drawSoon(): void {
    if (Date.now() - this.lastDraw >= 100) this.draw();
  }

  stop(): void {
    clearInterval(this.timer);
    this.screen.close();
  }

  private draw(): void {
    this.lastDraw = Date.now();
    const total = this.total === undefined ? '' : `/${this.total}`;
    const elapsed = Date.now() - this.started;
    const moved = this.bytes > 0 ? `, ${formatBytes(this.bytes)}, ${formatBytes((this.bytes * 1000) / Math.max(elapsed, 1))}/s` : '';
    this.screen.status(
      `[${this.done}${total} ${this.noun}s done, ${this.running} running, ${this.failed} failed${moved}, ${formatMs(elapsed)}]`,
    );
  }
}

/** 1.5 KiB, 20.0 MiB, 3.25 GiB: powers of 1024, three significant digits. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  if (u === 0) return `${Math.round(n)} B`;
  return `${n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0)} ${units[u]}`;
}
