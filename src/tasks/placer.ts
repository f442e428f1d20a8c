/**
 * Where new tasks go. Behind a small interface so that an adapter to a batch engine (Slurm's
 * sbatch/squeue/scancel) can take the built-in placer's place later; the built-in one spreads
 * tasks over the hosts of hosts/ok with free slots, least loaded first, within each
 * definition's host selection and constraints (the monitor's last metrics).
 */
import type { HostMetrics } from '../hosts/probe.js';
import type { TaskDefinition } from './definition.js';
import type { TaskInstance } from './state.js';

export interface HostSlots {
  host: string;
  /** Slots left on the host this cycle. */
  free: number;
  /** Tasks of lwt on it now (placed, running, fetching). */
  busy: number;
  metrics?: HostMetrics;
}

export interface PlaceRequest {
  task: TaskInstance;
  def: TaskDefinition;
  /** Hosts this definition allows (its selection expanded), or undefined for any. */
  allowed?: ReadonlySet<string>;
}

export interface Placer {
  /** Task id → host, for the tasks it could place; the others stay new. */
  place(requests: readonly PlaceRequest[], hosts: readonly HostSlots[]): Map<string, string>;
}

/** Why a host does not meet a definition's constraints, or undefined when it does. */
export function constraintMiss(def: TaskDefinition, m: HostMetrics | undefined): string | undefined {
  const c = def.constraints;
  if (c.minDiskKb !== undefined && (m?.diskFreeKb === undefined || m.diskFreeKb < c.minDiskKb)) return 'free disk below minDisk';
  if (c.minMemKb !== undefined && (m?.memAvailableKb === undefined || m.memAvailableKb < c.minMemKb)) return 'free memory below minMemory';
  if (c.maxLoadPerCpu !== undefined && m?.load1 !== undefined && m.cpus && m.load1 / m.cpus > c.maxLoadPerCpu) return 'load above maxLoad';
  return undefined;
}

export class LeastLoadedPlacer implements Placer {
  place(requests: readonly PlaceRequest[], hosts: readonly HostSlots[]): Map<string, string> {
    const slots = hosts.map((h) => ({ ...h }));
    const out = new Map<string, string>();
    for (const r of requests) {
      // A task does not go back to a host where an earlier copy may still run.
      const avoid = new Set(r.task.previous.filter((p) => p.unsettled).map((p) => p.host));
      let best: (typeof slots)[number] | undefined;
      for (const h of slots) {
        if (h.free <= 0 || avoid.has(h.host)) continue;
        if (r.allowed && !r.allowed.has(h.host)) continue;
        if (constraintMiss(r.def, h.metrics)) continue;
        if (!best || h.busy < best.busy || (h.busy === best.busy && loadOf(h) < loadOf(best))) best = h;
      }
      if (!best) continue;
      best.free--;
      best.busy++;
      out.set(r.task.id, best.host);
    }
    return out;
  }
}

function loadOf(h: HostSlots): number {
  const m = h.metrics;
  return m?.load1 !== undefined && m.cpus ? m.load1 / m.cpus : 0;
}
