import { outcomeJson } from '../core/outcome.js';
import { isUtf8 } from 'node:buffer';
import type { JobResult } from '../runner/results.js';

/**
 * For a --json line: where the journal keeps the exact bytes of each stream that is not
 * valid UTF-8 (the line itself can only carry text).
 */
export function exactBytesFiles(r: JobResult, file: (stream: 'stdout' | 'stderr') => string): Record<string, string> {
  const out: Record<string, string> = {};
  if (notUtf8(r, 'stdout')) out.stdoutFile = file('stdout');
  if (notUtf8(r, 'stderr')) out.stderrFile = file('stderr');
  return out;
}

/**
 * Whether a stream's text lost bytes that were not UTF-8. Over the output cap the kept bytes
 * may cut a character at the marker; the text leaves that character out, so valid output
 * still reads as valid (invalid bytes always show as U+FFFD in the text).
 */
function notUtf8(r: JobResult, stream: 'stdout' | 'stderr'): boolean {
  const bytes = stream === 'stdout' ? r.stdoutBytes : r.stderrBytes;
  return bytes !== undefined && !isUtf8(bytes) && r[stream].includes('\uFFFD');
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
      ...(notUtf8(r, 'stdout') ? { stdoutNotUtf8: true } : {}),
      ...(notUtf8(r, 'stderr') ? { stderrNotUtf8: true } : {}),
      ...r.extra,
    }) + '\n'
  );
}
