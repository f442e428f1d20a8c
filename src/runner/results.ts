/**
 * What a run returns: one JobResult per job or host, in input order, and the run's summary.
 * The same shape feeds --json, the summaries, the journal and library callers.
 */
import { isSuccess, type Outcome, type OutcomeKind } from '../core/outcome.js';

export interface JobResult<D = unknown> {
  /** The host as listed (`user@host:port` when given so), or `1`, `2`, … for local jobs. */
  label: string;
  /** The command, where each job has its own (lwt run, dispatch). */
  command?: string;
  outcome: Outcome;
  durationMs: number;
  /** Attempts made: 0 when the job never started (cancelled while queued). */
  attempts: number;
  stdout: string;
  stderr: string;
  /**
   * The output exactly as the command wrote it; `stdout`/`stderr` are the same as text, with
   * invalid UTF-8 replaced by U+FFFD. Absent for verbs whose output lwt wrote (transfers).
   */
  stdoutBytes?: Buffer;
  stderrBytes?: Buffer;
  /** Bytes --output-cap dropped from the middle of each stream; absent when nothing was. */
  truncated?: { stdout: number; stderr: number };
  /** Verb-specific counts added to the JSON line as they are (filesSent, bytesSent, …). */
  extra?: Record<string, unknown>;
  /** Verb-specific data for callers (the monitor's probe), never printed as is. */
  data?: D;
}

export interface RunSummary<D = unknown> {
  results: JobResult<D>[];
  wallMs: number;
  /** The operator's interrupt that cancelled the run, if one did. */
  interrupted?: NodeJS.Signals;
  /** Whether the run was cancelled (by an interrupt or a library caller's signal). */
  cancelled: boolean;
}

/** A result's stream as bytes: the exact ones when there are, else its text. */
export function outputBytes(r: Pick<JobResult, 'stdout' | 'stderr' | 'stdoutBytes' | 'stderrBytes'>, stream: 'stdout' | 'stderr'): Buffer {
  return (stream === 'stdout' ? r.stdoutBytes : r.stderrBytes) ?? Buffer.from(stream === 'stdout' ? r.stdout : r.stderr);
}

export function outcomeCounts(results: readonly JobResult[]): Partial<Record<OutcomeKind, number>> {
  const counts: Partial<Record<OutcomeKind, number>> = {};
  for (const r of results) counts[r.outcome.kind] = (counts[r.outcome.kind] ?? 0) + 1;
  return counts;
}

/** Labels of the jobs that did not exit 0, in input order. */
export function failedLabels(results: readonly JobResult[]): string[] {
  return results.filter((r) => !isSuccess(r.outcome)).map((r) => r.label);
}
