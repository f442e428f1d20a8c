import type { KillReason } from './kill-reason.js';

export interface JobDeadline {
  /** Aborted by the deadline ({kind:'timeout'}) or by `parent` (with the parent's reason). */
  signal: AbortSignal;
  dispose(): void;
}

/**
 * A job's own deadline on top of the pool's signal: starts now (after connecting, for remote
 * jobs), aborts with a timeout KillReason after `timeoutMs`, and forwards the operator's
 * cancel (or the pool's own deadline) with its reason. Without `timeoutMs` only the parent counts.
 */
export function jobDeadline(parent: AbortSignal, timeoutMs?: number): JobDeadline {
  const ctl = new AbortController();
  const forward = (): void => ctl.abort(parent.reason as KillReason);
  if (parent.aborted) forward();
  parent.addEventListener('abort', forward, { once: true });
  const timer = timeoutMs
    ? setTimeout(() => ctl.abort({ kind: 'timeout', afterMs: timeoutMs } satisfies KillReason), timeoutMs)
    : undefined;
  return {
    signal: ctl.signal,
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener('abort', forward);
    },
  };
}
