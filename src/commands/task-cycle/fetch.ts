/** The fetch phase: ended tasks' results back, remote folders cleaned, then retries and respawns whose time came. */
import type { Outcome } from '../../core/outcome.js';
import { decideAfterFetch } from '../../tasks/decide.js';
import { faultPoint } from '../../tasks/fault.js';
import { cleanScript } from '../../tasks/remote-scripts.js';
import { reassign, type TaskInstance } from '../../tasks/state.js';
import { fetchResults } from './transfer.js';
import { byHost, hostRun, remote, type Apply, type CycleOptions, type CycleReport, type Defs } from './shared.js';

/** Fetch the results of ended tasks, each host under its own transfer deadline, then clean up. */
export async function fetchPhase(opts: CycleOptions, tasks: Map<string, TaskInstance>, defs: Defs, apply: Apply, report: CycleReport): Promise<void> {
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

