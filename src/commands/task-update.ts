/**
 * One `lwt task-update` cycle: check the hosts of live tasks (one command per host for all
 * of its tasks), kill what is past its timeout or asked to stop, fetch the results of ended
 * tasks, retry and respawn per policy, place new tasks and start them detached. Every change
 * is written to the store before the next step acts on it, so a cycle killed at any instant
 * leaves a store the next cycle completes without starting anything twice.
 */
import { join } from 'node:path';
import { errorMessage } from '../errors.js';
import { loadDefinition, type TaskDefinition } from '../tasks/definition.js';
import type { Decision } from '../tasks/decide.js';
import { reassign, transition, type TaskInstance } from '../tasks/state.js';
import { checkPhase } from './task-cycle/check.js';
import { fetchPhase } from './task-cycle/fetch.js';
import { placePhase } from './task-cycle/place.js';
import { COUNTS, type CycleOptions, type CycleReport } from './task-cycle/shared.js';

export type { CycleCounts, CycleOptions, CycleReport } from './task-cycle/shared.js';

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

