/** The place phase: new tasks onto hosts with free slots, inputs once per host, detached starts. */
import { randomBytes } from 'node:crypto';
import type { Outcome } from '../../core/outcome.js';
import { parseInlineHosts } from '../../hosts/host-list.js';
import { formatHostSpec } from '../../hosts/host-spec.js';
import type { TaskDefinition } from '../../tasks/definition.js';
import { faultPoint } from '../../tasks/fault.js';
import { LeastLoadedPlacer, type HostSlots } from '../../tasks/placer.js';
import { startScript } from '../../tasks/remote-scripts.js';
import type { TaskInstance } from '../../tasks/state.js';
import { sendInputs } from './transfer.js';
import { byHost, hostRun, remote, type Apply, type CycleOptions, type CycleReport, type Defs } from './shared.js';

/** Place new tasks on hosts with free slots, upload their inputs once per host, start them detached. */
export async function placePhase(opts: CycleOptions, tasks: Map<string, TaskInstance>, defs: Defs, apply: Apply, report: CycleReport): Promise<void> {
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
  // Tasks that wait say why, or an operator looks at "nothing to do" with a thousand new tasks.
  const waiting = requests.length - placed.size;
  if (waiting > 0) {
    const why = opts.hosts.length === 0 ? 'hosts/ok lists no host (run lwt monitor, or write hosts/ok)' : 'no host of hosts/ok with a free slot meets their definitions';
    report.notes.push(`${waiting} new task${waiting === 1 ? '' : 's'} wait: ${why}`);
  }
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
      const r = await remote(job, startScript({ id: t.id, name: t.name, command: def.command, args: t.args, env: def.env, cookie: t.cookie ?? '', inputs: def.inputs.length > 0, ...(def.limits ? { limits: def.limits } : {}) }));
      const started = /LWT-STARTED (\d+) (\S+) (\S+) (\S+)/.exec(r.stdout);
      const refused = /LWT-LIMITS-UNSUPPORTED (\S*)/.exec(r.stdout);
      if (started) {
        faultPoint('after-start');
        await apply(tasks.get(t.id)!, { action: 'move', to: 'running', reason: `started on ${job.label}, pid ${started[1]}${started[4] !== 'none' ? `, limits by ${started[4]}` : ''}`, changes: { pid: Number(started[1]), startedAt: nowIso(), limitsBy: started[4]! } });
        c.started++;
      } else if (refused) {
        await apply(tasks.get(t.id)!, { action: 'move', to: 'failed', reason: `limits unsupported on ${job.label}`, changes: { outcome: { kind: 'failed', message: `limits unsupported on ${job.label} (no writable cgroup, and rlimits cannot hold a CPU share)` } } });
        c.failed++;
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
