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

  settled(outcome: Outcome, wasStarted: boolean): void {
    if (wasStarted) this.running = Math.max(0, this.running - 1);
    this.done++;
    if (!isSuccess(outcome)) this.failed++;
    this.drawSoon();
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
    this.screen.status(
      `[${this.done}${total} ${this.noun}s done, ${this.running} running, ${this.failed} failed, ${formatMs(Date.now() - this.started)}]`,
    );
  }
}
