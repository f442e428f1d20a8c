import type { KillReason } from '../core/kill-reason.js';
import { signalStatus } from './exit-status.js';
import { onStdoutClosed } from './closed-output.js';

export interface Interrupt {
  /** Aborted with a KillReason { kind: 'cancelled', signal } on the first SIGINT, SIGTERM or SIGHUP. */
  signal: AbortSignal;
  dispose(): void;
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Turn SIGINT/SIGTERM/SIGHUP, and a closed stdout (as SIGPIPE), into a cancel of the whole run. The first one kills every
 * running job's tree and lets the run print its summary; a second one says what is still
 * being cleaned up; a third gives up and exits at once. SIGHUP (the terminal closed) counts
 * like the others whatever another library's handler does with it: log4js's file appender
 * listens for SIGHUP to reopen its files, and a listener of its own must not turn lwt's
 * response to a closed terminal into "keep going".
 */
export function trapInterrupts(onRepeat?: (count: number) => void): Interrupt {
  const ctl = new AbortController();
  let count = 0;
  const handler = (sig: NodeJS.Signals): void => {
    count++;
    if (count === 1) {
      const reason: KillReason = { kind: 'cancelled', signal: sig };
      ctl.abort(reason);
      return;
    }
    onRepeat?.(count);
    if (count >= 3) process.exit(signalStatus(sig));
  };
  for (const s of SIGNALS) process.on(s, handler);
  // A closed stdout cancels like SIGPIPE (once: the reader does not come back).
  const offPipe = onStdoutClosed(() => {
    if (!ctl.signal.aborted) ctl.abort({ kind: 'cancelled', signal: 'SIGPIPE' } satisfies KillReason);
  });
  return {
    signal: ctl.signal,
    dispose: () => {
      for (const s of SIGNALS) process.off(s, handler);
      offPipe();
    },
  };
}
