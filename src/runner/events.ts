/**
 * What a run tells while it goes: a typed event union, and the emitter runners write to.
 * Output, progress, journal, per-host files and JSON lines are listeners (attached by the
 * CLI, or by a library caller); runners and commands never print.
 */
import type { StreamName } from '../core/capped-output.js';
import type { Outcome } from '../core/outcome.js';
import type { JobResult, RunSummary } from './results.js';

export type RunEvent =
  | { type: 'run-started'; total: number | undefined }
  /** An attempt got a slot and begins (connecting, for hosts). */
  | { type: 'job-started'; label: string; index: number; attempt: number }
  | { type: 'output'; label: string; stream: StreamName; chunk: Buffer }
  /** Bytes moved by a transfer, for progress. */
  | { type: 'bytes'; label: string; bytes: number }
  /** An attempt ended (told before its slot is free: what runs never exceeds the slots). */
  | { type: 'job-attempt-ended'; label: string; index: number; attempt: number }
  /** An attempt ended and another will follow after a backoff. */
  | { type: 'job-retrying'; label: string; attempt: number; outcome: Outcome; delayMs: number }
  | { type: 'job-settled'; index: number; result: JobResult }
  /** dispatch: a line goes back to the queue (its host was lost, or its worker crashed on it). */
  | { type: 'line-requeued'; label: string; host: string; why: string }
  /** dispatch: a host's slots came (up), left (down: probing again) or were given up (dead). */
  | { type: 'host-state'; host: string; state: 'connecting' | 'up' | 'down' | 'dead'; why?: string }
  /** dispatch: a slot's worker process ended and another will take its next line. */
  | { type: 'worker-ended'; host: string; slot: number; outcome: Outcome }
  | { type: 'run-ended'; summary: RunSummary };

export type RunListener = (event: RunEvent) => void;

/** Listeners of one run. A listener that throws is a defect of that listener: it surfaces, not hidden. */
export class RunEvents {
  private readonly listeners: RunListener[] = [];
  /** Whether anyone wants output chunks (so runners can skip the per-chunk work). */
  wantsOutput = false;

  on(listener: RunListener, opts: { output?: boolean } = {}): this {
    this.listeners.push(listener);
    if (opts.output) this.wantsOutput = true;
    return this;
  }

  emit(event: RunEvent): void {
    for (const l of this.listeners) l(event);
  }
}
