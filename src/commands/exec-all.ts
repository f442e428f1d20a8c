import { runPool, type JobContext } from '../core/pool.js';
import { EXIT, runExitStatus, type Outcome } from '../core/outcome.js';
import { jobDeadline } from '../core/deadline.js';
import type { ProcessResult } from '../core/local-process.js';
import { formatHostSpec, type HostSpec } from '../hosts/host-spec.js';
import { foldHosts } from '../hosts/fold.js';
import { logger } from '../log.js';
import type { JobRecord } from '../output/job-record.js';
import { OutdirWriter } from '../output/outdir.js';
import { Reporter, outcomeCounts, type OutputMode } from '../output/reporter.js';
import type { Screen } from '../output/screen.js';
import type { RunJournal } from '../runs/journal.js';
import type { SshContext } from '../ssh/connect.js';
import { execRemote } from '../ssh/remote-exec.js';

export interface ExecAllOptions {
  hosts: HostSpec[];
  command: string;
  ssh: SshContext;
  concurrency: number;
  /** The command's deadline per host, from when the command starts (after connecting). */
  timeoutMs?: number;
  /** Retries of connection failures (not of host-key or auth refusals). */
  retries: number;
  /** Retry commands that exited non-zero too. */
  retryFailedCommands?: boolean;
  env?: Record<string, string>;
  stdin?: Buffer;
  sudo?: boolean;
  outputCapBytes: number;
  mode: OutputMode;
  outdir?: string;
  journal?: RunJournal;
  signal: AbortSignal;
  screen: Screen;
}

export interface ExecAllResult {
  records: JobRecord[];
  wallMs: number;
  exitStatus: number;
}

type HostResult = ProcessResult;

const NOT_RETRIED: ReadonlySet<string> = new Set(['host-key', 'auth']);

/**
 * `lwt exec-all`: one connection per host, the command in an exec channel, at most
 * `concurrency` hosts at once. Every host ends as an Outcome; nothing here throws per host.
 */
export async function execAll(opts: ExecAllOptions): Promise<ExecAllResult> {
  const log = logger('exec-all');
  const reporter = new Reporter({
    screen: opts.screen,
    mode: opts.mode,
    noun: 'host',
    total: opts.hosts.length,
    jsonId: (r) => ({ host: r.label }),
    foldLabels: foldHosts,
  });
  const outdir = opts.outdir ? new OutdirWriter(opts.outdir) : undefined;
  const writes: Promise<unknown>[] = [];
  const records: JobRecord[] = [];
  const started = Date.now();

  const worker = async (spec: HostSpec, ctx: JobContext): Promise<HostResult> => {
    const label = formatHostSpec(spec);
    const conn = await opts.ssh.connect(spec, ctx.signal);
    if (!conn.ok) return emptyResult(conn.outcome);
    // The command's own deadline starts now; the operator's cancel still reaches it.
    const cmd = jobDeadline(ctx.signal, opts.timeoutMs);
    try {
      return await execRemote(conn.client, {
        command: opts.command,
        signal: cmd.signal,
        outputCapBytes: opts.outputCapBytes,
        ...(reporter.wantsOutput ? { onOutput: (stream, chunk) => reporter.output(label, stream, chunk) } : {}),
        ...(opts.env ? { env: opts.env } : {}),
        ...(opts.stdin ? { stdin: opts.stdin } : {}),
        ...(opts.sudo ? { sudo: true } : {}),
      });
    } finally {
      cmd.dispose();
      conn.client.end();
    }
  };

  const run = await runPool(opts.hosts, worker, {
    concurrency: opts.concurrency,
    signal: opts.signal,
    ...(opts.retries > 0
      ? {
          retry: {
            limit: opts.retries,
            shouldRetry: (r: HostResult, spec: HostSpec) => {
              const o = r.outcome;
              const again =
                (o.kind === 'unreachable' && !NOT_RETRIED.has(o.reason)) ||
                (opts.retryFailedCommands === true && o.kind === 'exited' && o.code !== 0);
              if (again) log.info(`${formatHostSpec(spec)}: ${o.kind === 'unreachable' ? o.message : `exit ${o.kind === 'exited' ? o.code : ''}`}; retrying`);
              return again;
            },
          },
        }
      : {}),
    onStart: () => reporter.started(),
    onSettled: (s) => {
      const record: JobRecord = {
        label: formatHostSpec(s.item),
        outcome: s.outcome,
        durationMs: s.durationMs,
        stdout: s.result?.stdout ?? '',
        stderr: s.result?.stderr ?? '',
      };
      if (s.outcome.kind === 'unreachable') log.info(s.outcome.message);
      records[s.index] = record;
      reporter.settled(record, s.attempts > 0);
      if (outdir) writes.push(outdir.write(record).catch((e: unknown) => log.error(`-o: ${String(e)}`)));
      if (opts.journal) writes.push(opts.journal.record(record).catch((e: unknown) => log.error(`journal: ${String(e)}`)));
    },
  });
  await Promise.all(writes);
  await opts.ssh.close();
  const wallMs = Date.now() - started;
  const done = records.filter((r): r is JobRecord => r !== undefined);
  const exitStatus = run.cancelled ? EXIT.sigint : runExitStatus(done.map((r) => r.outcome));
  reporter.finish(done, wallMs, exitStatus);
  await opts.journal?.finish({ wallMs, counts: outcomeCounts(done), exitStatus });
  return { records: done, wallMs, exitStatus };
}

function emptyResult(outcome: Outcome): HostResult {
  return { outcome, stdout: '', stderr: '', truncated: { stdout: 0, stderr: 0 } };
}
