import { formatMs, isSuccess, type Outcome } from '../core/outcome.js';
import type { Screen } from './screen.js';

/**
 * The one-line progress display: done/total, running, failed, elapsed. Redrawn at most
 * every 100 ms and on every settle; silent when the Screen has no terminal.
 */
export class Progress {
  private done = 0;
  private running = 0;
  private failed = 0;
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;

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
    this.draw();
  }

  settled(outcome: Outcome, wasStarted: boolean): void {
    if (wasStarted) this.running = Math.max(0, this.running - 1);
    this.done++;
    if (!isSuccess(outcome)) this.failed++;
    this.draw();
  }

  stop(): void {
    clearInterval(this.timer);
    this.screen.close();
  }

  private draw(): void {
    const total = this.total === undefined ? '' : `/${this.total}`;
    this.screen.status(
      `[${this.done}${total} ${this.noun}s done, ${this.running} running, ${this.failed} failed, ${formatMs(Date.now() - this.started)}]`,
    );
  }
}
