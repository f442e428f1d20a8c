/**
 * `lwt dispatch`: a stream of lines, one job each, over slots of hosts (channels of one
 * connection per host) and local slots. Built on the one runner (runJobs: each line settles
 * exactly once, in completion order, read only as slots free up) and the shared connections.
 *
 * Per line: take a free slot (SlotPool), run there; when the host was lost under it, the
 * line goes straight to another slot and the host is probed until it is back; when a worker
 * crashed on it, it goes again to a fresh worker, up to `maxCrashes` (then it is poison).
 * `retries` are further tries of a failed job, on another host where there is one.
 */
import { describeOutcome, isSuccess, messageWithoutLabel, type Outcome, type UnreachableReason } from '../core/outcome.js';
import { jobDeadline } from '../core/deadline.js';
import { killedOutcome, reasonOf } from '../core/kill-reason.js';
import { silentLog, type LogSink } from '../core/log-sink.js';
import { formatHostSpec, type HostSpec } from '../hosts/host-spec.js';
import type { Connections } from '../runner/connections.js';
import { RunEvents } from '../runner/events.js';
import { runJobs, type JobWork } from '../runner/job-runner.js';
import type { InputLine } from '../dispatch/line-source.js';
import { isHostLoss, SlotRunner } from '../dispatch/slot-work.js';
import { LOCAL, SlotPool, type SlotPoolOptions } from '../dispatch/slots.js';
import { fillTemplate } from '../dispatch/template.js';

export interface DispatchOptions {
  lines: AsyncIterable<InputLine>;
  /** Command mode: the template run once per line. */
  command?: string;
  /** Worker mode: the long-lived worker run per slot. */
  worker?: string;
  hosts: readonly HostSpec[];
  /** Required with hosts; the caller closes it. Keep connections idle-open (keepIdle). */
  connections?: Connections;
  perHost: number;
  local: number;
  /** Deadline per job, from when it has a slot. */
  timeoutMs?: number;
  retries: number;
  maxCrashes: number;
  outputCapBytes: number;
  env?: Record<string, string>;
  signal?: AbortSignal;
  events?: RunEvents;
  log?: LogSink;
  /** Host probing after a loss (tests shorten it). */
  probe?: Pick<SlotPoolOptions, 'probeDelayMs' | 'maxProbes'>;
}

/** What rides on each line's JobResult. */
export interface LineData {
  seq: number;
  line: Buffer;
  /** Where it ran last (':' for local). */
  host: string;
  /** The command it ran (command mode: the filled template), else the worker's line. */
  command: string;
  startMs: number;
  /** Why it failed for good, when a worker kept crashing on it. */
  poison?: boolean;
}

export interface DispatchSummary {
  done: number;
  failed: number;
  /** Lines not finished because the run was interrupted (they run again with --resume). */
  notDone: number;
  requeued: number;
  restarts: number;
  wallMs: number;
  cancelled: boolean;
  interrupted?: NodeJS.Signals;
  /** One outcome per kind among the failed lines: what the exit status is made of. */
  failures: Outcome[];
}

export async function dispatch(opts: DispatchOptions): Promise<DispatchSummary> {
  const events = opts.events ?? new RunEvents();
  const log = opts.log ?? silentLog;
  const specs = new Map(opts.hosts.map((s) => [formatHostSpec(s), s]));
  /** Why the last host could not be reached: the reason given when no slot is left. */
  let lastFailure: UnreachableReason = 'refused';
  const pool = new SlotPool({
    hosts: [...specs.keys()],
    perHost: opts.perHost,
    local: opts.local,
    ...opts.probe,
    probe: async (host) => {
      const lease = await opts.connections!.acquire(specs.get(host)!, opts.signal);
      if (!lease.ok) {
        log.debug(`${host}: ${lease.outcome.message}`);
        const o = lease.outcome;
        lastFailure = o.reason;
        // A host key or a key the host refuses will not mend by waiting.
        return { message: `${o.reason}: ${messageWithoutLabel(o.message, host)}`, final: o.reason === 'host-key' || o.reason === 'auth' };
      }
      lease.release();
      return true;
    },
    onHostState: (host, state, why) => events.emit({ type: 'host-state', host, state, ...(why ? { why } : {}) }),
  });
  const slots = new SlotRunner({
    connections: opts.connections,
    specs,
    outputCapBytes: opts.outputCapBytes,
    log,
    ...(opts.env ? { env: opts.env } : {}),
    onWorkerEnded: (slot, outcome) => events.emit({ type: 'worker-ended', host: slot.host, slot: slot.n, outcome }),
  });
  const avoid = new Map<number, Set<string>>();
  const crashes = new Map<number, number>();
  let requeued = 0;
  const counts = { done: 0, failed: 0, notDone: 0 };
  const failures = new Map<string, Outcome>();
  events.on((e) => {
    if (e.type !== 'job-settled') return;
    const o = e.result.outcome;
    const d = e.result.data as LineData | undefined;
    if (d) {
      avoid.delete(d.seq);
      crashes.delete(d.seq);
    }
    if (isSuccess(o)) counts.done++;
    else if (o.kind === 'cancelled') counts.notDone++;
    else {
      counts.failed++;
      if (!failures.has(o.kind)) failures.set(o.kind, o);
    }
  });

  const requeue = (line: InputLine, host: string, why: string): void => {
    requeued++;
    events.emit({ type: 'line-requeued', label: String(line.seq), host, why });
  };

  const work = async (line: InputLine, signal: AbortSignal): Promise<JobWork<LineData>> => {
    const tried = avoid.get(line.seq) ?? new Set<string>();
    avoid.set(line.seq, tried);
    const command = opts.command !== undefined ? fillTemplate(opts.command, line.bytes, line.seq) : line.text;
    for (;;) {
      const slot = await pool.acquire(tried, signal);
      if (!slot) {
        const outcome: Outcome = signal.aborted
          ? killedOutcome(reasonOf(signal), 0, false)
          : { kind: 'unreachable', reason: lastFailure, message: 'no slot left: every host was given up and there are no local slots' };
        return { outcome, data: { seq: line.seq, line: line.bytes, host: '', command, startMs: Date.now() } };
      }
      const startMs = Date.now();
      const deadline = jobDeadline(signal, opts.timeoutMs);
      let outcome: Outcome;
      let crashed = false;
      let stdoutBytes: Buffer | undefined;
      let stderrBytes: Buffer | undefined;
      try {
        if (opts.worker !== undefined) {
          const r = await slots.line(slot, opts.worker, line.bytes, deadline.signal);
          outcome = r.kind === 'done' ? { kind: 'exited', code: 0 } : r.outcome;
          crashed = r.kind === 'ended';
          stdoutBytes = r.output;
        } else {
          const r = await slots.command(slot, command, deadline.signal);
          ({ outcome, stdoutBytes, stderrBytes } = r);
        }
      } finally {
        deadline.dispose();
      }
      const data: LineData = { seq: line.seq, line: line.bytes, host: slot.host, command, startMs };
      const killed = deadline.signal.aborted;
      if (!killed && isHostLoss(outcome) && slot.host !== LOCAL) {
        pool.hostFailed(slot.host, outcome.message);
        pool.release(slot);
        requeue(line, slot.host, `${slot.host} lost: ${outcome.message}`);
        continue;
      }
      pool.release(slot);
      if (crashed && !killed) {
        const n = (crashes.get(line.seq) ?? 0) + 1;
        crashes.set(line.seq, n);
        if (n < opts.maxCrashes) {
          requeue(line, slot.host, `the worker crashed on it (${describeOutcome(outcome)})`);
          continue;
        }
        outcome = { kind: 'failed', message: `poison: workers crashed on this line ${n} times (last: ${describeOutcome(outcome)})` };
        return { outcome, data: { ...data, poison: true } };
      }
      if (!isSuccess(outcome)) tried.add(slot.host);
      return { outcome, data, ...(stdoutBytes ? { stdoutBytes, stdout: '' } : {}), ...(stderrBytes ? { stderrBytes, stderr: '' } : {}) };
    }
  };

  pool.start();
  const started = Date.now();
  try {
    const run = await runJobs<InputLine, LineData>({
      items: opts.lines,
      label: (line) => String(line.seq),
      concurrency: Math.max(1, opts.local + opts.hosts.length * opts.perHost),
      keepResults: false,
      events,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.retries > 0
        ? { retry: { limit: opts.retries, firstDelaysMs: [0], everyMs: 0, shouldRetry: (w: JobWork<LineData>) => !isSuccess(w.outcome) && w.data?.poison !== true } }
        : {}),
      work: (line, ctx) => work(line, ctx.signal),
    });
    return {
      ...counts,
      requeued,
      restarts: slots.restarts,
      wallMs: Date.now() - started,
      cancelled: run.cancelled,
      ...(run.interrupted ? { interrupted: run.interrupted } : {}),
      failures: [...failures.values()],
    };
  } finally {
    pool.close();
    await slots.stopWorkers();
  }
}
