/**
 * One `lwt task-update` cycle: check the hosts of live tasks (one command per host for all
 * of its tasks), kill what is past its timeout or asked to stop, fetch the results of ended
 * tasks, retry and respawn per policy, place new tasks and start them detached. Every change
 * is written to the store before the next step acts on it, so a cycle killed at any instant
 * leaves a store the next cycle completes without starting anything twice.
 */
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Outcome } from '../core/outcome.js';
import type { LogSink } from '../core/log-sink.js';
import { errorMessage } from '../errors.js';
import { parseInlineHosts } from '../hosts/host-list.js';
import { formatHostSpec, parseHostSpec } from '../hosts/host-spec.js';
import type { HostMetrics } from '../hosts/probe.js';
import type { Connections } from '../runner/connections.js';
import type { RunEvents } from '../runner/events.js';
import { runHosts, type HostJob } from '../runner/host-runner.js';
import { execRemote } from '../ssh/remote-exec.js';
import { loadDefinition, type TaskDefinition } from '../tasks/definition.js';
import { decideAfterCheck, decideAfterFetch, decideUnreachable, type Decision, type LostRule } from '../tasks/decide.js';
import { LeastLoadedPlacer, type HostSlots, type Placer } from '../tasks/placer.js';
import { checkScript, cleanScript, parseCheck, startScript, stopScript, type RemoteTaskState } from '../tasks/remote-scripts.js';
import { reassign, transition, type TaskInstance } from '../tasks/state.js';
import type { TaskStore } from '../tasks/store.js';
import { faultPoint } from '../tasks/fault.js';
import { fetchResults, sendInputs } from './task-transfer.js';

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

const COUNTS = (): CycleCounts => ({ placed: 0, started: 0, running: 0, finished: 0, fetched: 0, failed: 0, lost: 0, reassigned: 0, killed: 0, retried: 0, respawned: 0 });

export async function taskCycle(opts: CycleOptions): Promise<CycleReport> {
  const now = opts.now ?? (() => new Date());
  const report: CycleReport = { counts: COUNTS(), phases: [], problems: [], notes: [] };
  const c = report.counts;
  const phase = async (name: string, fn: () => Promise<void>): Promise<void> => {
    const t0 = Date.now();
    await fn();
    report.phases.push({ name, ms: Date.now() - t0 });
  };

  // Definitions of every task in the store, read once; a bad one holds its tasks back only.
  const defs = new Map<string, TaskDefinition | undefined>();
  const defOf = async (name: string): Promise<TaskDefinition | undefined> => {
    if (!defs.has(name)) {
      try {
        defs.set(name, await loadDefinition(join(opts.home, 'tasks'), name));
      } catch (err) {
        defs.set(name, undefined);
        report.problems.push(`task ${name}: ${errorMessage(err)}`);
      }
    }
    return defs.get(name);
  };
  const tasks = new Map((await opts.store.list()).map((t) => [t.id, t]));
  for (const t of tasks.values()) await defOf(t.name);

  const apply = async (t: TaskInstance, d: Decision): Promise<TaskInstance> => {
    let next = t;
    if (d.action === 'none') {
      if (d.changes) {
        next = { ...t, ...d.changes };
        await opts.store.save(next);
      }
    } else if (d.action === 'move' || d.action === 'kill') {
      const r = transition(t, d.to, d.reason, now().toISOString(), d.changes);
      next = r.next;
      await opts.store.save(next, r.line);
    } else if (d.action === 'reassign') {
      const r = reassign(t, d.reason, now().toISOString());
      next = r.next;
      await opts.store.save(next, r.line);
      c.reassigned++;
    }
    tasks.set(next.id, next);
    return next;
  };

  await phase('check', () => checkPhase(opts, tasks, defs, apply, report));
  await phase('fetch', () => fetchPhase(opts, tasks, defs, apply, report));
  await phase('place', () => placePhase(opts, tasks, defs, apply, report));
  c.running = [...tasks.values()].filter((t) => t.state === 'running').length;
  return report;
}

type Apply = (t: TaskInstance, d: Decision) => Promise<TaskInstance>;
type Defs = Map<string, TaskDefinition | undefined>;

/** Group ids by host. */
function byHost(list: Iterable<TaskInstance>, hostOf: (t: TaskInstance) => string[]): Map<string, TaskInstance[]> {
  const m = new Map<string, TaskInstance[]>();
  for (const t of list) for (const h of hostOf(t)) m.set(h, [...(m.get(h) ?? []), t]);
  return m;
}

const hostRun = <D>(opts: CycleOptions, hosts: string[], timeoutMs: number, work: (job: HostJob) => Promise<{ outcome: Outcome; data?: D }>) =>
  runHosts<D>({
    hosts: hosts.map((h) => parseHostSpec(h)),
    connections: opts.connections,
    concurrency: opts.concurrency,
    timeoutMs,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.events ? { events: opts.events } : {}),
    work,
  });

const remote = (job: HostJob, command: string) => execRemote(job.client, { command, signal: job.signal, outputCapBytes: 1 << 20, log: job.log });

/**
 * Check every host that has live tasks, or an old copy of a reassigned one, with one command;
 * kill on the same connection what is past its deadline, asked to stop, or an old copy.
 */
async function checkPhase(opts: CycleOptions, tasks: Map<string, TaskInstance>, defs: Defs, apply: Apply, report: CycleReport): Promise<void> {
  const c = report.counts;
  const live = [...tasks.values()].filter((t) => (t.state === 'placed' || t.state === 'running' || t.state === 'lost') && t.host);
  const stale = [...tasks.values()].filter((t) => t.previous.some((p) => p.unsettled));
  const hosts = new Set([...live.map((t) => t.host!), ...stale.flatMap((t) => t.previous.filter((p) => p.unsettled).map((p) => p.host))]);
  if (hosts.size === 0) return;
  const summary = await hostRun<Map<string, RemoteTaskState>>(opts, [...hosts], opts.hostTimeoutMs, async (job) => {
    const mine = live.filter((t) => t.host === job.label);
    const old = stale.filter((t) => t.previous.some((p) => p.unsettled && p.host === job.label));
    const ids = [...new Set([...mine, ...old].map((t) => t.id))];
    const r = await remote(job, checkScript(ids));
    if (r.outcome.kind !== 'exited' || r.outcome.code !== 0) return { outcome: r.outcome };
    const seen = parseCheck(r.stdout);
    for (const t of old) {
      // An old copy of a task placed elsewhere: stop it if it still runs, then forget it here.
      const s = seen.get(t.id);
      if (t.host === job.label && (t.state === 'placed' || t.state === 'running' || t.state === 'lost')) continue;
      const copy = t.previous.find((p) => p.unsettled && p.host === job.label);
      if ((s?.kind === 'running' || s?.kind === 'starting') && copy?.cookie) {
        await remote(job, stopScript(t.id, copy.cookie, copy.pid));
        report.notes.push(`stopped an old copy of ${t.id} on ${job.label} (the task was placed elsewhere)`);
        c.killed++;
      }
      await remote(job, cleanScript(t.id));
      const cur = tasks.get(t.id)!;
      await apply(cur, { action: 'none', changes: { previous: cur.previous.map((p) => (p.host === job.label ? { ...p, unsettled: false } : p)) } });
    }
    for (const t of mine) {
      const s = seen.get(t.id);
      if (!s) continue;
      const d = decideAfterCheck(tasks.get(t.id)!, s, defs.get(t.name), new Date());
      if (d.action === 'kill') {
        const def = defs.get(t.name);
        const k = await remote(job, stopScript(t.id, t.cookie ?? '', t.pid, d.graceful ? def?.stop : undefined));
        const killed = Number(/killed (\d+)/.exec(k.stdout)?.[1] ?? 0);
        c.killed++;
        const changes = d.changes.outcome?.kind === 'timeout' ? { ...d.changes, outcome: { ...d.changes.outcome, killed } } : d.changes;
        if (d.to === 'stopped') {
          await remote(job, cleanScript(t.id));
          await apply(tasks.get(t.id)!, { ...d, changes: { ...changes, outcome: { kind: 'cancelled', killed, started: true } } });
        } else {
          await apply(tasks.get(t.id)!, { ...d, changes });
        }
      } else if (d.action === 'start') {
        // Placed, never started there: the place phase starts it on the same host.
      } else {
        const next = await apply(tasks.get(t.id)!, d);
        if (next.state === 'fetching' && t.state !== 'fetching') c.finished++;
      }
    }
    return { outcome: r.outcome, data: seen };
  });
  for (const res of summary.results) {
    if (res.outcome.kind === 'exited' && res.outcome.code === 0) continue;
    const why = res.outcome.kind === 'unreachable' ? res.outcome.reason : res.outcome.kind;
    for (const t of live.filter((x) => x.host === res.label)) {
      const cur = tasks.get(t.id)!;
      if (cur.state !== t.state) continue;
      const d = decideUnreachable(cur, why, new Date(), opts.lost);
      const next = await apply(cur, d);
      if (next.state === 'lost' && cur.state !== 'lost') c.lost++;
    }
    report.problems.push(`${res.label}: check failed: ${why}`);
  }
}

/** Fetch the results of ended tasks, each host under its own transfer deadline, then clean up. */
async function fetchPhase(opts: CycleOptions, tasks: Map<string, TaskInstance>, defs: Defs, apply: Apply, report: CycleReport): Promise<void> {
  const c = report.counts;
  const ending = [...tasks.values()].filter((t) => t.state === 'fetching' && t.host);
  const groups = byHost(ending, (t) => [t.host!]);
  if (groups.size > 0) {
    const summary = await hostRun(opts, [...groups.keys()], opts.transferTimeoutMs, async (job) => {
      for (const t of groups.get(job.label) ?? []) {
        const def = defs.get(t.name);
        const got = await fetchResults(job, t, def, opts.home);
        if (got.outcome.kind !== 'exited' || got.outcome.code !== 0) {
          report.problems.push(`${t.id}: fetch from ${job.label} failed (${got.message}); next cycle tries again`);
          if (job.signal.aborted) return { outcome: got.outcome };
          continue;
        }
        c.fetched++;
        faultPoint('during-fetch');
        if (!def?.keep) await remote(job, cleanScript(t.id));
        const withOutcome = t.outcome ? t : { ...t, outcome: got.taskOutcome };
        const next = await apply(withOutcome, decideAfterFetch(withOutcome, def, new Date()));
        if (next.state === 'failed') c.failed++;
      }
      return { outcome: { kind: 'exited', code: 0 } as Outcome };
    });
    for (const r of summary.results) if (r.outcome.kind !== 'exited') report.problems.push(`${r.label}: fetch: ${r.outcome.kind}`);
  }
  // Retries and respawns whose time has come go back to new (they are placed below).
  const t0 = new Date();
  for (const t of [...tasks.values()]) {
    const def = defs.get(t.name);
    if (t.state === 'failed' && t.retryAt && def && t.attempt <= def.retries && Date.parse(t.retryAt) <= t0.getTime()) {
      const r = reassign({ ...t, retryAt: undefined } as TaskInstance, `retry ${t.attempt} of ${def.retries}`, t0.toISOString());
      await opts.store.save(r.next, r.line);
      tasks.set(t.id, r.next);
      c.retried++;
    } else if ((t.state === 'done' || t.state === 'failed') && t.respawnAt && Date.parse(t.respawnAt) <= t0.getTime()) {
      const r = reassign({ ...t, respawnAt: undefined } as TaskInstance, 'respawn', t0.toISOString());
      await opts.store.save(r.next, r.line);
      tasks.set(t.id, r.next);
      c.respawned++;
    }
  }
}

/** Place new tasks on hosts with free slots, upload their inputs once per host, start them detached. */
async function placePhase(opts: CycleOptions, tasks: Map<string, TaskInstance>, defs: Defs, apply: Apply, report: CycleReport): Promise<void> {
  const c = report.counts;
  const nowIso = (): string => new Date().toISOString();
  const busy = new Map<string, number>();
  for (const t of tasks.values()) {
    if (t.host && (t.state === 'placed' || t.state === 'running' || t.state === 'fetching' || t.state === 'lost')) busy.set(t.host, (busy.get(t.host) ?? 0) + 1);
  }
  const slots: HostSlots[] = opts.hosts.map((h) => ({
    host: h.host,
    busy: busy.get(h.host) ?? 0,
    free: Math.max(0, opts.slots - (busy.get(h.host) ?? 0)),
    ...(h.metrics ? { metrics: h.metrics } : {}),
  }));
  const requests = [...tasks.values()]
    .filter((t) => t.state === 'new' && defs.get(t.name))
    .map((t) => {
      const def = defs.get(t.name)!;
      return { task: t, def, ...(def.hosts.length ? { allowed: allowedHosts(def) } : {}) };
    });
  const placed = (opts.placer ?? new LeastLoadedPlacer()).place(requests, slots);
  for (const [id, host] of placed) {
    const t = tasks.get(id)!;
    // Recorded before the start: a cycle killed right after starting finds it placed there.
    await apply(t, { action: 'move', to: 'placed', reason: `placed on ${host}`, changes: { host, placedAt: nowIso(), attempt: t.attempt + 1, cookie: randomBytes(8).toString('hex') } });
    c.placed++;
  }
  const toStart = [...tasks.values()].filter((t) => t.state === 'placed' && t.host);
  const groups = byHost(toStart, (t) => [t.host!]);
  if (groups.size === 0) return;
  const summary = await hostRun(opts, [...groups.keys()], opts.transferTimeoutMs, async (job) => {
    const mine = groups.get(job.label) ?? [];
    const names = [...new Set(mine.map((t) => t.name))];
    const withInputs = new Set<string>();
    for (const name of names) {
      const def = defs.get(name);
      if (!def || def.inputs.length === 0) continue;
      const sent = await sendInputs(job, def);
      if (sent.outcome.kind !== 'exited' || sent.outcome.code !== 0) {
        report.problems.push(`${job.label}: inputs of ${name}: ${sent.message}`);
        continue;
      }
      withInputs.add(name);
    }
    faultPoint('after-upload');
    for (const t of mine) {
      const def = defs.get(t.name);
      if (!def || (def.inputs.length > 0 && !withInputs.has(t.name))) continue;
      const r = await remote(job, startScript({ id: t.id, name: t.name, command: def.command, args: t.args, env: def.env, cookie: t.cookie ?? '', inputs: def.inputs.length > 0 }));
      const started = /LWT-STARTED (\d+) (\S+) (\S+)/.exec(r.stdout);
      if (started) {
        faultPoint('after-start');
        await apply(tasks.get(t.id)!, { action: 'move', to: 'running', reason: `started on ${job.label}, pid ${started[1]}`, changes: { pid: Number(started[1]), startedAt: nowIso() } });
        c.started++;
      } else if (/LWT-EXISTS/.test(r.stdout)) {
        report.notes.push(`${t.id}: already started on ${job.label} (found at start; the check settles it)`);
      } else if (r.outcome.kind === 'exited') {
        await apply(tasks.get(t.id)!, { action: 'move', to: 'failed', reason: `could not start on ${job.label}: exit ${r.outcome.code} ${r.stderr.trim().split('\n')[0] ?? ''}`, changes: { outcome: { kind: 'failed', message: `start failed (exit ${r.outcome.code})` } } });
        c.failed++;
      } else {
        report.problems.push(`${t.id}: start on ${job.label}: ${r.outcome.kind}`);
      }
    }
    return { outcome: { kind: 'exited', code: 0 } as Outcome };
  });
  for (const r of summary.results) if (r.outcome.kind !== 'exited') report.problems.push(`${r.label}: start: ${r.outcome.kind}`);
}

function allowedHosts(def: TaskDefinition): Set<string> {
  return new Set(def.hosts.flatMap((h) => parseInlineHosts(h, `${def.file}: hosts`).map(formatHostSpec)));
}
