/**
 * What put-all, put-all-diff and get-all share on top of the per-host runner: the transfer's
 * result shape (counts of what moved), and the summary lines that say per host what moved.
 */
import { isSuccess, type Outcome } from '../core/outcome.js';
import type { HostSpec } from '../hosts/host-spec.js';
import { runHosts, type HostJob } from '../runner/host-runner.js';
import { foldHosts } from '../hosts/fold.js';
import { formatBytes } from '../output/progress.js';
import type { Connections } from '../runner/connections.js';
import type { RunEvents } from '../runner/events.js';
import type { JobResult, RunSummary } from '../runner/results.js';

export interface TransferResult {
  outcome: Outcome;
  /** --dry-run: the plan, one action a line. */
  stdout: string;
  /** Per-entry problems and warnings, one a line. */
  stderr: string;
  /** Counts added to the JSON line as they are: filesSent, bytesSent, filesDeleted (or filesReceived, …). */
  extra: Record<string, number | boolean>;
}

export interface TransferRunOptions {
  hosts: readonly HostSpec[];
  connections: Connections;
  concurrency: number;
  /** The whole transfer's deadline per host, after connecting. */
  timeoutMs?: number;
  retries?: number;
  signal?: AbortSignal;
  events?: RunEvents;
  /** One host's transfer on an open connection. Never throws for host failures: returns an outcome. */
  transfer(job: HostJob): Promise<TransferResult>;
}

export function emptyTransfer(outcome: Outcome): TransferResult {
  return { outcome, stdout: '', stderr: '', extra: {} };
}

export function runTransfers(opts: TransferRunOptions): Promise<RunSummary> {
  return runHosts({
    ...opts,
    work: (job) => opts.transfer(job),
  });
}

/** Counts every transfer's JSON line carries, 0 where nothing moved (unreachable, cancelled). */
export function zeroCounts(direction: 'sent' | 'received'): Record<string, number> {
  return direction === 'sent' ? { filesSent: 0, bytesSent: 0, filesDeleted: 0 } : { filesReceived: 0, bytesReceived: 0, filesDeleted: 0 };
}

/**
 * What moved, per host, hosts with the same counts on one line:
 *   sent: 127.0.5.[1-4]: 10 files (12.3 KiB), 0 deleted
 */
export function transferSummary(records: readonly JobResult[], direction: 'sent' | 'received', dryRun: boolean): string {
  const files = direction === 'sent' ? 'filesSent' : 'filesReceived';
  const bytes = direction === 'sent' ? 'bytesSent' : 'bytesReceived';
  const groups = new Map<string, string[]>();
  for (const r of records) {
    const e = r.extra;
    if (!e || typeof e[files] !== 'number') continue;
    const n = e[files] as number;
    // A host that failed before moving anything is in the summary's failure lines already.
    if (!isSuccess(r.outcome) && n === 0 && Number(e.filesDeleted ?? 0) === 0) continue;
    const text = `${n} file${n === 1 ? '' : 's'} (${formatBytes(Number(e[bytes] ?? 0))}), ${Number(e.filesDeleted ?? 0)} deleted`;
    const list = groups.get(text);
    if (list) list.push(r.label);
    else groups.set(text, [r.label]);
  }
  const verb = dryRun ? `would be ${direction}` : direction;
  return [...groups].map(([text, labels]) => `${verb}: ${foldHosts(labels)}: ${text}\n`).join('');
}
