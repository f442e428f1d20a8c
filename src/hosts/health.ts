import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../atomic-file.js';
import type { Outcome } from '../core/outcome.js';
import type { HostMetrics } from '../hosts/probe.js';

/** What a monitor cycle found on one host. Only `ok` counts as working. */
export type HealthState = 'ok' | 'overloaded' | 'slow' | 'auth' | 'host-key' | 'refused' | 'timeout' | 'dns';

export interface Thresholds {
  /** 1-minute load per CPU above which a host is overloaded. @default 2 */
  maxLoadPerCpu: number;
  /** Disk use (percent) of the probed path above which a host is overloaded. @default 95 */
  maxDiskPct: number;
  /** --bandwidth: bytes per second below which a host is slow. @default 1 MiB/s */
  minRate: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { maxLoadPerCpu: 2, maxDiskPct: 95, minRate: 1024 * 1024 };

export interface ProbeResult {
  outcome: Outcome;
  metrics?: HostMetrics;
  latencyMs?: number;
  /** --bandwidth: measured upload and download rates, bytes per second. */
  upRate?: number;
  downRate?: number;
}

/** Classify one probe: the reason in words goes with the state. Pure. */
export function classifyProbe(p: ProbeResult, t: Thresholds): { state: HealthState; why: string } {
  const o = p.outcome;
  switch (o.kind) {
    case 'unreachable':
      switch (o.reason) {
        case 'auth':
          return { state: 'auth', why: o.message };
        case 'host-key':
          return { state: 'host-key', why: o.message };
        case 'dns':
          return { state: 'dns', why: o.message };
        case 'connect-timeout':
        case 'banner-timeout':
        case 'handshake-timeout':
        // Turned away at capacity for the whole retry budget: not taking work now.
        case 'throttled':
          return { state: 'timeout', why: o.message };
        // A reset or protocol failure during the handshake: the host answered and turned us away.
        case 'refused':
        case 'reset':
        case 'protocol':
        // A host lwt must not reach as configured is not working for lwt.
        case 'config':
          return { state: 'refused', why: o.message };
      }
      break;
    case 'timeout':
      return { state: 'timeout', why: `probe command timed out after ${o.afterMs} ms` };
    case 'exited':
      if (o.code !== 0) return { state: 'refused', why: `probe command exited ${o.code}` };
      break;
    case 'signaled':
      return { state: 'refused', why: `probe command killed by ${o.signal}` };
    case 'no-status':
      return { state: 'refused', why: 'probe channel closed without exit status' };
    case 'cancelled':
      return { state: 'timeout', why: 'cancelled' };
    case 'lost':
      return { state: 'refused', why: `connection lost during the probe: ${o.message}` };
    case 'failed':
    case 'local-error':
    case 'internal':
      return { state: 'refused', why: o.message };
  }
  const m = p.metrics ?? {};
  if (m.load1 !== undefined && m.cpus && m.load1 / m.cpus > t.maxLoadPerCpu) {
    return { state: 'overloaded', why: `load ${m.load1} on ${m.cpus} CPUs is over ${t.maxLoadPerCpu} per CPU` };
  }
  if (m.diskUsePct !== undefined && m.diskUsePct > t.maxDiskPct) {
    return { state: 'overloaded', why: `disk ${m.diskUsePct}% used, over ${t.maxDiskPct}%` };
  }
  for (const [dir, rate] of [['upload', p.upRate], ['download', p.downRate]] as const) {
    if (rate !== undefined && rate < t.minRate) {
      return { state: 'slow', why: `${dir} ${(rate / 1024 / 1024).toFixed(2)} MiB/s, under ${(t.minRate / 1024 / 1024).toFixed(2)} MiB/s` };
    }
  }
  return { state: 'ok', why: 'ok' };
}

/** Per-host memory across cycles: the state file's entries. */
export interface HostHealth {
  state: HealthState;
  why: string;
  /** In hosts/ok. */
  listed: boolean;
  /** When `state` was first seen in the current run of the same state. */
  since: string;
  lastChecked: string;
  lastOk?: string;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  latencyMs?: number;
  metrics?: HostMetrics;
}

export interface Hysteresis {
  /** Consecutive failures that drop a listed host. @default 2 */
  dropAfter: number;
  /** Consecutive successes that list an unlisted host. @default 1 */
  restoreAfter: number;
}

export type ListChange = 'dropped' | 'restored' | 'added' | undefined;

/**
 * One cycle's step of the hysteresis state machine. Pure.
 * A listed host leaves hosts/ok after `dropAfter` failures in a row; an unlisted one (new, or
 * dropped earlier) enters after `restoreAfter` successes in a row. A new host that fails is
 * simply not listed: it was never seen working.
 */
export function nextHealth(
  prev: HostHealth | undefined,
  found: { state: HealthState; why: string; latencyMs?: number; metrics?: HostMetrics },
  h: Hysteresis,
  now: string,
): { health: HostHealth; change: ListChange } {
  const ok = found.state === 'ok';
  const failures = ok ? 0 : (prev?.consecutiveFailures ?? 0) + 1;
  const successes = ok ? (prev?.consecutiveSuccesses ?? 0) + 1 : 0;
  let listed = prev?.listed ?? false;
  let change: ListChange;
  if (listed && !ok && failures >= h.dropAfter) {
    listed = false;
    change = 'dropped';
  } else if (!listed && ok && successes >= h.restoreAfter) {
    listed = true;
    change = prev ? 'restored' : 'added';
  }
  const health: HostHealth = {
    state: found.state,
    why: found.why,
    listed,
    since: prev && prev.state === found.state ? prev.since : now,
    lastChecked: now,
    consecutiveFailures: failures,
    consecutiveSuccesses: successes,
    ...(ok ? { lastOk: now } : prev?.lastOk ? { lastOk: prev.lastOk } : {}),
    ...(found.latencyMs !== undefined ? { latencyMs: found.latencyMs } : {}),
    ...(found.metrics ? { metrics: found.metrics } : prev?.metrics ? { metrics: prev.metrics } : {}),
  };
  return { health, change };
}

export interface HealthFile {
  version: 1;
  updated: string;
  hosts: Record<string, HostHealth>;
}

/** The state file; a missing or unreadable one starts empty (a torn one cannot exist: writes are atomic). */
export async function readHealth(path: string): Promise<HealthFile> {
  try {
    const data = JSON.parse(await readFile(path, 'utf8')) as HealthFile;
    if (data && data.version === 1 && typeof data.hosts === 'object') return data;
  } catch {
    /* first run */
  }
  return { version: 1, updated: new Date(0).toISOString(), hosts: {} };
}

export function writeHealth(path: string, data: HealthFile): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(data, null, 1) + '\n');
}

/** One host's line of a monitor cycle: its state now, listed or not, and what changed. */
export interface MonitorRow {
  host: string;
  state: HealthState;
  why: string;
  listed: boolean;
  change: ListChange;
  health: HostHealth;
  probe: ProbeResult;
}

export interface CycleReport {
  rows: MonitorRow[];
  wallMs: number;
  okFile: string;
  /** Hosts hosts/ok lists after the cycle (more than the rows' when only some hosts were probed). */
  okTotal?: number;
  /** Interrupted: nothing was written (half a cycle would drop hosts never probed). */
  cancelled: boolean;
}
