import type { KillReason } from './kill-reason.js';
import { EXIT } from './outcome.js';

export interface Interrupt {
  /** Aborted with a KillReason { kind: 'cancelled', signal } on the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** 130 after SIGINT, 143 after SIGTERM, undefined when not interrupted. */
  exitStatus(): number | undefined;
  dispose(): void;
}

/**
 * Turn SIGINT/SIGTERM into a cancel of the whole run. The first one kills every running
 * job's tree and lets the run print its summary; a second one says what is still being
 * cleaned up; a third gives up and exits at once.
 */
export function trapInterrupts(onRepeat?: (count: number) => void): Interrupt {
  const ctl = new AbortController();
  let received: NodeJS.Signals | undefined;
  let count = 0;
  const handler = (sig: NodeJS.Signals): void => {
    count++;
    if (count === 1) {
      received = sig;
      const reason: KillReason = { kind: 'cancelled', signal: sig };
      ctl.abort(reason);
      return;
    }
    onRepeat?.(count);
    if (count >= 3) process.exit(sig === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: ctl.signal,
    exitStatus: () => (received === undefined ? undefined : received === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint),
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
