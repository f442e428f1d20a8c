import { outcomeJson } from '../core/outcome.js';
import { isUtf8 } from 'node:buffer';
import type { JobResult } from '../runner/results.js';

/**
 * For a --json line: where the journal keeps the exact bytes of each stream that is not
 * valid UTF-8 (the line itself can only carry text).
 */
export function exactBytesFiles(r: JobResult, file: (stream: 'stdout' | 'stderr') => string): Record<string, string> {
  const out: Record<string, string> = {};
  if (r.stdoutBytes && !isUtf8(r.stdoutBytes)) out.stdoutFile = file('stdout');
  if (r.stderrBytes && !isUtf8(r.stderrBytes)) out.stderrFile = file('stderr');
  return out;
}

/** One --json line. `id` names the job: { job: 3 } for lwt run, { host: "web1" } for exec-all. */
export function jsonLine(id: Record<string, string | number>, r: JobResult): string {
  return (
    JSON.stringify({
      ...id,
      ...(r.command !== undefined ? { command: r.command } : {}),
      outcome: outcomeJson(r.outcome),
      durationMs: r.durationMs,
      stdout: r.stdout,
      stderr: r.stderr,
      // JSON holds text: say so when the bytes were not UTF-8 (the journal keeps them exactly).
      ...(r.stdoutBytes && !isUtf8(r.stdoutBytes) ? { stdoutNotUtf8: true } : {}),
      ...(r.stderrBytes && !isUtf8(r.stderrBytes) ? { stderrNotUtf8: true } : {}),
      ...r.extra,
    }) + '\n'
  );
}
