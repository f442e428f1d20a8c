/** The check phase: every host with live tasks (or an old copy) answers for all of them in one command. */
import { decideAfterCheck, decideUnreachable } from '../../tasks/decide.js';
import { checkScript, cleanScript, parseCheck, stopScript, type RemoteTaskState } from '../../tasks/remote-scripts.js';
import type { TaskInstance } from '../../tasks/state.js';
import { hostRun, remote, type Apply, type CycleOptions, type CycleReport, type Defs } from './shared.js';

/**
 * Check every host that has live tasks, or an old copy of a reassigned one, with one command;
 * kill on the same connection what is past its deadline, asked to stop, or an old copy.
 */
export async function checkPhase(opts: CycleOptions, tasks: Map<string, TaskInstance>, defs: Defs, apply: Apply, report: CycleReport): Promise<void> {
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

