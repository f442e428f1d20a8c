/**
 * What put-all, put-all-diff and get-all share: one connection per host, at most
 * `concurrency` hosts at once, a deadline per host for the whole transfer (after connecting,
 * as exec-all's -t), retries of connection failures, progress with bytes and rate, one
 * JobRecord per host (with filesSent/bytesSent/filesDeleted or their get-all twins), the
 * journal, and a summary that says per host what moved.
 */
import type { Client } from 'ssh2';
import { jobDeadline } from '../core/deadline.js';
import { EXIT, isSuccess, runExitStatus, type Outcome } from '../core/outcome.js';
import { runPool, type JobContext } from '../core/pool.js';
import { formatHostSpec, type HostSpec } from '../hosts/host-spec.js';
import { foldHosts } from '../hosts/fold.js';
import { logger } from '../log.js';
import type { JobRecord } from '../output/job-record.js';
import { formatBytes } from '../output/progress.js';
import { Reporter, outcomeCounts } from '../output/reporter.js';
import type { Screen } from '../output/screen.js';
import type { RunJournal } from '../runs/journal.js';
import type { SshContext } from '../ssh/connect.js';

export interface TransferResult {
  outcome: Outcome;
  /** --dry-run: the plan, one action a line. */
  stdout: string;
  /** Per-entry problems and warnings, one a line. */
  stderr: string;
  /** Counts added to the JSON line as they are: filesSent, bytesSent, filesDeleted (or filesReceived, …). */
  extra: Record<string, number | boolean>;
}

export interface HostJob {
  spec: HostSpec;
  label: string;
  client: Client;
  /** Aborted by the per-host deadline or the operator's cancel (reason: KillReason). */
  signal: AbortSignal;
  onBytes(n: number): void;
}

export interface TransferRunOptions {
  verb: string;
  hosts: HostSpec[];
  ssh: SshContext;
  concurrency: number;
  timeoutMs?: number;
  retries: number;
  mode: 'live' | 'json';
  journal?: RunJournal;
  signal: AbortSignal;
  screen: Screen;
  /** How the summary names the counts: 'sent' or 'received'. */
  direction: 'sent' | 'received';
  dryRun: boolean;
  /** One host's transfer on an open connection. Never throws for host failures: returns an outcome. */
  transfer(job: HostJob): Promise<TransferResult>;
}

export interface TransferRunResult {
  records: JobRecord[];
  wallMs: number;
  exitStatus: number;
}

const NOT_RETRIED: ReadonlySet<string> = new Set(['host-key', 'auth']);

export function emptyTransfer(outcome: Outcome): TransferResult {
  return { outcome, stdout: '', stderr: '', extra: {} };
}

export async function runTransfers(opts: TransferRunOptions): Promise<TransferRunResult> {
  const log = logger(opts.verb);
  const reporter = new Reporter({
    screen: opts.screen,
    mode: opts.mode,
    noun: 'host',
    total: opts.hosts.length,
    jsonId: (r) => ({ host: r.label }),
    foldLabels: foldHosts,
  });
  const writes: Promise<unknown>[] = [];
  const records: JobRecord[] = [];
  const started = Date.now();

  const worker = async (spec: HostSpec, ctx: JobContext): Promise<TransferResult> => {
    const label = formatHostSpec(spec);
    const conn = await opts.ssh.connect(spec, ctx.signal);
    if (!conn.ok) return emptyTransfer(conn.outcome);
    const job = jobDeadline(ctx.signal, opts.timeoutMs);
    try {
      return await opts.transfer({ spec, label, client: conn.client, signal: job.signal, onBytes: (n) => reporter.bytes(n) });
    } catch (err) {
      return emptyTransfer({ kind: 'error', message: `internal error: ${err instanceof Error ? err.message : String(err)}` });
    } finally {
      job.dispose();
      // destroy, not end: after a deadline the host may not answer a polite close.
      if (job.signal.aborted) conn.client.destroy();
      else conn.client.end();
    }
  };

  const run = await runPool(opts.hosts, worker, {
    concurrency: opts.concurrency,
    signal: opts.signal,
    ...(opts.retries > 0
      ? {
          retry: {
            limit: opts.retries,
            shouldRetry: (r: TransferResult, spec: HostSpec) => {
              const o = r.outcome;
              const again = o.kind === 'unreachable' && !NOT_RETRIED.has(o.reason);
              if (again) log.info(`${formatHostSpec(spec)}: ${o.message}; retrying`);
              return again;
            },
          },
        }
      : {}),
    onStart: () => reporter.started(),
    onSettled: (s) => {
      // Every host's JSON line has the counts, 0 where nothing moved (unreachable, cancelled).
      const zero = opts.direction === 'sent' ? { filesSent: 0, bytesSent: 0, filesDeleted: 0 } : { filesReceived: 0, bytesReceived: 0, filesDeleted: 0 };
      const extra = { ...zero, ...s.result?.extra };
      const record: JobRecord = {
        label: formatHostSpec(s.item),
        outcome: s.outcome,
        durationMs: s.durationMs,
        stdout: s.result?.stdout ?? '',
        stderr: s.result?.stderr ?? '',
        extra,
      };
      if (s.outcome.kind === 'unreachable' || s.outcome.kind === 'error') log.info(`${record.label}: ${s.outcome.message}`);
      records[s.index] = record;
      // Live mode: the dry-run plan and the problems, as "host: line" / "host:err: line".
      if (record.stdout) reporter.output(record.label, 'stdout', Buffer.from(record.stdout));
      if (record.stderr) reporter.output(record.label, 'stderr', Buffer.from(record.stderr));
      reporter.settled(record, s.attempts > 0);
      if (opts.journal) writes.push(opts.journal.record(record).catch((e: unknown) => log.error(`journal: ${String(e)}`)));
    },
  });
  await Promise.all(writes);
  await opts.ssh.close();
  const wallMs = Date.now() - started;
  const done = records.filter((r): r is JobRecord => r !== undefined);
  const exitStatus = run.cancelled ? EXIT.sigint : runExitStatus(done.map((r) => r.outcome));
  if (opts.mode === 'live') opts.screen.err(transferSummary(done, opts.direction, opts.dryRun));
  reporter.finish(done, wallMs, exitStatus);
  await opts.journal?.finish({ wallMs, counts: outcomeCounts(done), exitStatus });
  return { records: done, wallMs, exitStatus };
}

/**
 * What moved, per host, hosts with the same counts on one line:
 *   sent: 127.0.5.[1-4]: 10 files (12.3 KiB), 0 deleted
 */
export function transferSummary(records: readonly JobRecord[], direction: 'sent' | 'received', dryRun: boolean): string {
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
