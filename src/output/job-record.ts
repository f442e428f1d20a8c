import { outcomeJson, type Outcome } from '../core/outcome.js';

/** What every command reports per job or host: the shape behind --json, summaries and the journal. */
export interface JobRecord {
  /** `1`, `2`, … for local jobs; the host for remote ones. */
  label: string;
  command?: string;
  outcome: Outcome;
  durationMs: number;
  stdout: string;
  stderr: string;
  /** Command-specific fields (filesSent, bytesSent, …), added to the JSON line as they are. */
  extra?: Record<string, unknown>;
}

/** One --json line. `id` names the job: { job: 3 } for lwt run, { host: "web1" } for exec-all. */
export function jsonLine(id: Record<string, string | number>, r: JobRecord): string {
  return (
    JSON.stringify({
      ...id,
      ...(r.command !== undefined ? { command: r.command } : {}),
      outcome: outcomeJson(r.outcome),
      durationMs: r.durationMs,
      stdout: r.stdout,
      stderr: r.stderr,
      ...r.extra,
    }) + '\n'
  );
}
