/**
 * The per-host runner every verb that reaches hosts goes through (exec-all, put-all, get-all,
 * monitor; tasks and dispatch): for each host, lease its connection (connect within the
 * connect deadline, or reuse one), start the work's own deadline once connected, run the work,
 * release the connection (closed at once after a kill), retry what is worth retrying, and
 * settle one JobResult. The work gets an open client and a signal; it never connects or closes.
 */
import type { Client } from '../ssh/vendor.js';
import { jobDeadline } from '../core/deadline.js';
import type { StreamName } from '../core/capped-output.js';
import type { LogSink } from '../core/log-sink.js';
import type { RetryPolicy } from '../core/retry.js';
import { formatHostSpec, type HostSpec } from '../hosts/host-spec.js';
import { Connections } from './connections.js';
import type { RunEvents } from './events.js';
import { runJobs, type JobWork } from './job-runner.js';
import type { RunSummary } from './results.js';

export interface HostJob {
  spec: HostSpec;
  label: string;
  client: Client;
  /** Aborted by the work's deadline or the operator's cancel (reason: KillReason). */
  signal: AbortSignal;
  /** Live output, when a listener wants it (undefined otherwise: skip the per-chunk work). */
  onOutput: ((stream: StreamName, chunk: Buffer) => void) | undefined;
  /** Bytes moved (transfers), for progress. */
  onBytes(n: number): void;
  /** The connection context's log. */
  log: LogSink;
}

export interface HostRunOptions<D> {
  hosts: readonly HostSpec[];
  connections: Connections;
  work: (job: HostJob) => Promise<JobWork<D>>;
  concurrency: number;
  /** The work's deadline per host, from when it is connected. */
  timeoutMs?: number;
  /** Further tries of a host whose connection failed (never for host-key, auth or config refusals). */
  retries?: number;
  /** Also retry results this accepts (e.g. commands that exited non-zero). */
  retryAlso?: (work: JobWork<D>) => boolean;
  retryPolicy?: Omit<RetryPolicy, 'limit'>;
  signal?: AbortSignal;
  events?: RunEvents;
}

/**
 * Connection failures that another try cannot mend: the key, the credentials and the config
 * (a host the OpenSSH config makes lwt refuse is never connected to) are the same next time.
 */
const NOT_RETRIED: ReadonlySet<string> = new Set(['host-key', 'auth', 'config']);

export function isRetriableConnectFailure(work: JobWork): boolean {
  return work.outcome.kind === 'unreachable' && !NOT_RETRIED.has(work.outcome.reason);
}

export function runHosts<D = unknown>(opts: HostRunOptions<D>): Promise<RunSummary<D>> {
  const retries = opts.retries ?? 0;
  return runJobs<HostSpec, D>({
    items: opts.hosts,
    total: opts.hosts.length,
    label: (spec) => formatHostSpec(spec),
    concurrency: opts.concurrency,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.events ? { events: opts.events } : {}),
    ...(retries > 0
      ? {
          retry: {
            ...opts.retryPolicy,
            limit: retries,
            shouldRetry: (w: JobWork<D>) => isRetriableConnectFailure(w) || opts.retryAlso?.(w) === true,
          },
        }
      : {}),
    work: async (spec, ctx) => {
      const lease = await opts.connections.acquire(spec, ctx.signal);
      if (!lease.ok) return { outcome: lease.outcome };
      const deadline = jobDeadline(ctx.signal, opts.timeoutMs);
      const events = ctx.events;
      try {
        return await opts.work({
          spec,
          label: ctx.label,
          client: lease.client,
          signal: deadline.signal,
          onOutput: events.wantsOutput ? (stream, chunk) => events.emit({ type: 'output', label: ctx.label, stream, chunk }) : undefined,
          onBytes: (bytes) => events.emit({ type: 'bytes', label: ctx.label, bytes }),
          log: opts.connections.ssh.log,
        });
      } finally {
        deadline.dispose();
        // After a kill the host may not answer a polite close: drop the connection.
        lease.release({ broken: deadline.signal.aborted });
      }
    },
  });
}
