import { describeOutcomeOf, formatMs, isSuccess, messageWithoutLabel, type Outcome } from '../core/outcome.js';
import type { JobResult } from '../runner/results.js';
import { PLAIN, type TextStyle } from './text-style.js';

/** Short class of an outcome, the key failures are grouped by. */
export function outcomeClass(o: Outcome): string {
  switch (o.kind) {
    case 'exited':
      return `exit ${o.code}`;
    case 'signaled':
      return o.coreDumped ? `${o.signal} (core)` : o.signal;
    case 'timeout':
      return 'timeout';
    case 'cancelled':
      return 'cancelled';
    case 'unreachable':
      return `unreachable (${o.reason})`;
    case 'no-status':
      return 'no exit status';
    case 'lost':
      return 'lost';
    case 'failed':
      return 'failed';
    case 'local-error':
      return 'local error';
    case 'internal':
      return 'internal error';
  }
}

/** The reason a failed job gives beyond its class: the message, without the host's name. */
function reasonOf(r: JobResult): string {
  const o = r.outcome;
  return 'message' in o ? messageWithoutLabel(o.message, r.label).split('\n')[0]! : '';
}

export interface SummaryOptions {
  /** What a record is: 'job' or 'host'. */
  noun: string;
  wallMs: number;
  /** Name many labels compactly (host ranges); default joins with commas. */
  foldLabels?: (labels: string[]) => string;
  /** Print each failed job on its own line with its command (lwt run). */
  detailed?: boolean;
  /** Cap on detailed lines. @default 20 */
  maxDetails?: number;
  /** Failure lines in colour on a terminal. */
  style?: TextStyle;
}

/**
 * The closing summary: one count line, then the failures grouped by class.
 *   12 jobs in 1.04s: 10 ok, 1 exit 3, 1 timeout
 */
export function formatSummary(records: readonly JobResult[], opts: SummaryOptions): string {
  const plural = (n: number): string => `${n} ${opts.noun}${n === 1 ? '' : 's'}`;
  const groups = new Map<string, JobResult[]>();
  let ok = 0;
  for (const r of records) {
    if (isSuccess(r.outcome)) {
      ok++;
      continue;
    }
    const key = outcomeClass(r.outcome);
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  const counts = [`${ok} ok`, ...[...groups].map(([k, list]) => `${list.length} ${k}`)];
  const lines = [`${plural(records.length)} in ${formatMs(opts.wallMs)}: ${counts.join(', ')}`];
  const fold = opts.foldLabels ?? ((labels: string[]) => labels.join(','));
  const style = opts.style ?? PLAIN;
  if (opts.detailed) {
    const failed = [...groups.values()].flat().sort((a, b) => Number(a.label) - Number(b.label));
    const max = opts.maxDetails ?? 20;
    for (const r of failed.slice(0, max)) {
      lines.push(style.failure(`  ${opts.noun} ${r.label}: ${describeOutcomeOf(r.label, r.outcome)}: ${r.command ?? ''}`.trimEnd()));
    }
    if (failed.length > max) lines.push(`  … and ${failed.length - max} more`);
  } else {
    const maxReasons = opts.maxDetails ?? 10;
    for (const [key, list] of groups) {
      // Each distinct reason once, with the hosts it applies to: `failed: h[1-2]: no such file`.
      const byReason = new Map<string, string[]>();
      for (const r of list) {
        const why = reasonOf(r);
        byReason.set(why, [...(byReason.get(why) ?? []), r.label]);
      }
      const reasons = [...byReason].sort((a, b) => b[1].length - a[1].length);
      for (const [why, labels] of reasons.slice(0, maxReasons)) {
        lines.push(style.failure(`  ${key}: ${fold(labels)}${why ? `: ${why}` : ''}`));
      }
      if (reasons.length > maxReasons) {
        const rest = reasons.slice(maxReasons).flatMap(([, l]) => l);
        lines.push(style.failure(`  ${key}: ${fold(rest)}: ${reasons.length - maxReasons} other reasons (lwt log RUN HOST)`));
      }
    }
  }
  // Said, not only marked inside the output: -o files, -b, --json and the run's log hold the cut text.
  const cut = records.filter((r) => r.truncated !== undefined).map((r) => r.label);
  if (cut.length > 0) lines.push(`  output over --output-cap, its middle dropped: ${fold(cut)}`);
  return lines.join('\n') + '\n';
}
