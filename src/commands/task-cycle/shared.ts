/** What the phases of a task-update cycle share: options, counts, the host pass and the remote call. */
import type { Outcome } from '../../core/outcome.js';
import type { LogSink } from '../../core/log-sink.js';
import { parseHostSpec } from '../../hosts/host-spec.js';
import type { HostMetrics } from '../../hosts/probe.js';
import type { Connections } from '../../runner/connections.js';
import type { RunEvents } from '../../runner/events.js';
import { runHosts, type HostJob } from '../../runner/host-runner.js';
import { execRemote } from '../../ssh/remote-exec.js';
import type { TaskDefinition } from '../../tasks/definition.js';
import type { Decision, LostRule } from '../../tasks/decide.js';
import type { Placer } from '../../tasks/placer.js';
import type { TaskInstance } from '../../tasks/state.js';
import type { TaskStore } from '../../tasks/store.js';

export interface CycleOptions {
  home: string;
  store: TaskStore;
  connections: Connections;
  /** Hosts tasks may be placed on (hosts/ok), with the monitor's last metrics. */
  hosts: ReadonlyArray<{ host: string; metrics?: HostMetrics }>;
  /** Tasks at once per host. */
  slots: number;
  concurrency: number;
  /** Each host's deadline for a check, a kill or a start, after connecting. */
  hostTimeoutMs: number;
  /** Each host's deadline for one fetch or upload: a slow host resumes next cycle. */
  transferTimeoutMs: number;
  lost: LostRule;
  placer?: Placer;
  signal?: AbortSignal;
  events?: RunEvents;
  log: LogSink;
  now?: () => Date;
}

export interface CycleCounts {
  placed: number;
  started: number;
  running: number;
  finished: number;
  fetched: number;
  failed: number;
  lost: number;
  reassigned: number;
  killed: number;
  retried: number;
  respawned: number;
}

export interface CycleReport {
  counts: CycleCounts;
  /** Each phase with its wall time, in order. */
  phases: Array<{ name: string; ms: number }>;
  /** Bad definitions (their tasks wait), hosts that failed a step, copies stopped: one line each. */
  problems: string[];
  notes: string[];
}

export const COUNTS = (): CycleCounts => ({ placed: 0, started: 0, running: 0, finished: 0, fetched: 0, failed: 0, lost: 0, reassigned: 0, killed: 0, retried: 0, respawned: 0 });


export type Apply = (t: TaskInstance, d: Decision) => Promise<TaskInstance>;
export type Defs = Map<string, TaskDefinition | undefined>;

/** Group ids by host. */
export function byHost(list: Iterable<TaskInstance>, hostOf: (t: TaskInstance) => string[]): Map<string, TaskInstance[]> {
  const m = new Map<string, TaskInstance[]>();
  for (const t of list) for (const h of hostOf(t)) m.set(h, [...(m.get(h) ?? []), t]);
  return m;
}

export const hostRun = <D>(opts: CycleOptions, hosts: string[], timeoutMs: number, work: (job: HostJob) => Promise<{ outcome: Outcome; data?: D }>) =>
  runHosts<D>({
    hosts: hosts.map((h) => parseHostSpec(h)),
    connections: opts.connections,
    concurrency: opts.concurrency,
    timeoutMs,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.events ? { events: opts.events } : {}),
    work,
  });

export const remote = (job: HostJob, command: string) => execRemote(job.client, { command, signal: job.signal, outputCapBytes: 1 << 20, log: job.log });

