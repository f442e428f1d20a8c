import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { jobDeadline } from '../core/deadline.js';
import { runPool, type JobContext } from '../core/pool.js';
import { formatMs } from '../core/outcome.js';
import { homePaths } from '../home.js';
import {
  classifyProbe,
  nextHealth,
  readHealth,
  writeHealth,
  type HealthState,
  type HostHealth,
  type Hysteresis,
  type ListChange,
  type ProbeResult,
  type Thresholds,
} from '../hosts/health.js';
import { formatHostSpec, type HostSpec } from '../hosts/host-spec.js';
import { foldHosts } from '../hosts/fold.js';
import type { Client } from 'ssh2';
import type { SshContext } from '../ssh/connect.js';
import { execRemote } from '../ssh/remote-exec.js';
import { parseProbeOutput, probeCommand } from './monitor-probe.js';

export interface MonitorOptions {
  home: string;
  hosts: HostSpec[];
  ssh: SshContext;
  concurrency: number;
  /** Deadline of the probe command (and of each bandwidth transfer), after connecting. */
  probeTimeoutMs: number;
  diskPath: string;
  load: boolean;
  /** --bandwidth: bytes to upload and download per host. */
  bandwidthBytes?: number;
  thresholds: Thresholds;
  hysteresis: Hysteresis;
  signal: AbortSignal;
  /**
   * The hosts are the whole candidate list: forget state of hosts no longer in it, so a host
   * removed from the candidates also leaves hosts/ok. False when probing a subset (-H/-w).
   */
  prune: boolean;
  onHostDone?: (done: number, total: number) => void;
}

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
  cancelled: boolean;
}

export const healthFilePath = (home: string): string => join(homePaths(home).state, 'health.json');
export const okFilePath = (home: string): string => join(homePaths(home).hosts, 'ok');

/** One probe: connect, run the probe command, optionally move bytes both ways. Never throws. */
async function probeHost(spec: HostSpec, ctx: JobContext, opts: MonitorOptions): Promise<ProbeResult> {
  const conn = await opts.ssh.connect(spec, ctx.signal);
  if (!conn.ok) return { outcome: conn.outcome };
  try {
    const started = Date.now();
    const probe = await withDeadline(ctx.signal, opts.probeTimeoutMs, (signal) =>
      execRemote(conn.client, { command: probeCommand({ diskPath: opts.diskPath, load: opts.load }), signal, outputCapBytes: 64 * 1024 }),
    );
    const latencyMs = Date.now() - started;
    const result: ProbeResult = { outcome: probe.outcome, latencyMs, metrics: parseProbeOutput(probe.stdout) };
    if (opts.bandwidthBytes && probe.outcome.kind === 'exited' && probe.outcome.code === 0) {
      const rates = await measureRates(conn.client, opts.bandwidthBytes, ctx.signal, opts.probeTimeoutMs);
      if ('outcome' in rates) result.outcome = rates.outcome;
      else Object.assign(result, rates);
    }
    return result;
  } finally {
    conn.client.end();
  }
}

/** Upload N bytes into /dev/null, then download N bytes of zeros; bytes per second each way. */
async function measureRates(
  client: Client,
  bytes: number,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<{ upRate: number; downRate: number } | { outcome: ProbeResult['outcome'] }> {
  const upStart = Date.now();
  const up = await withDeadline(signal, timeoutMs, (s) =>
    execRemote(client, { command: 'cat > /dev/null', stdin: Buffer.alloc(bytes), signal: s, outputCapBytes: 1024 }),
  );
  if (up.outcome.kind !== 'exited' || up.outcome.code !== 0) return { outcome: up.outcome };
  const upMs = Math.max(1, Date.now() - upStart);
  let received = 0;
  const downStart = Date.now();
  const down = await withDeadline(signal, timeoutMs, (s) =>
    execRemote(client, {
      command: `head -c ${bytes} /dev/zero`,
      signal: s,
      outputCapBytes: 1024,
      onOutput: (stream, chunk) => {
        if (stream === 'stdout') received += chunk.length;
      },
    }),
  );
  if (down.outcome.kind !== 'exited' || down.outcome.code !== 0) return { outcome: down.outcome };
  const downMs = Math.max(1, Date.now() - downStart);
  return { upRate: (bytes * 1000) / upMs, downRate: (received * 1000) / downMs };
}

/** Run `fn` under a deadline of `ms` that the outer (pool) signal can also end. */
async function withDeadline<T>(outer: AbortSignal, ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = jobDeadline(outer, ms);
  try {
    return await fn(deadline.signal);
  } finally {
    deadline.dispose();
  }
}

/**
 * One monitor cycle: probe every host in parallel (each bounded by connect + probe deadline),
 * classify, step each host's hysteresis, then write the state file and hosts/ok atomically.
 * Hosts not probed in this cycle keep their state and listing.
 */
export async function monitorCycle(opts: MonitorOptions): Promise<CycleReport> {
  const started = Date.now();
  const statePath = healthFilePath(opts.home);
  const health = await readHealth(statePath);
  const probes: ProbeResult[] = [];
  let done = 0;
  const run = await runPool(opts.hosts, (spec, ctx) => probeHost(spec, ctx, opts).then((r) => ({ ...r })), {
    concurrency: opts.concurrency,
    signal: opts.signal,
    onSettled: (s) => {
      probes[s.index] = { ...(s.result ?? {}), outcome: s.outcome };
      opts.onHostDone?.(++done, opts.hosts.length);
    },
  });
  const now = new Date().toISOString();
  const rows: MonitorRow[] = [];
  if (!run.cancelled) {
    opts.hosts.forEach((spec, i) => {
      const host = formatHostSpec(spec);
      const probe = probes[i]!;
      const found = classifyProbe(probe, opts.thresholds);
      const { health: h, change } = nextHealth(
        health.hosts[host],
        { ...found, ...(probe.latencyMs !== undefined ? { latencyMs: probe.latencyMs } : {}), ...(probe.metrics ? { metrics: probe.metrics } : {}) },
        opts.hysteresis,
        now,
      );
      health.hosts[host] = h;
      rows.push({ host, state: h.state, why: h.why, listed: h.listed, change, health: h, probe });
    });
    if (opts.prune) {
      const probed = new Set(rows.map((r) => r.host));
      for (const host of Object.keys(health.hosts)) if (!probed.has(host)) delete health.hosts[host];
    }
    health.updated = now;
    await writeHealth(statePath, health);
    await writeOkFile(opts.home, health.hosts, opts.hosts.map(formatHostSpec));
  }
  return { rows, wallMs: Date.now() - started, okFile: okFilePath(opts.home), cancelled: run.cancelled };
}

/** hosts/ok: every listed host, probed ones in the order given, then the others. */
export async function writeOkFile(home: string, hosts: Record<string, HostHealth>, order: string[]): Promise<string[]> {
  const listed = new Set(Object.entries(hosts).filter(([, h]) => h.listed).map(([host]) => host));
  const ordered = [...order.filter((h) => listed.has(h)), ...[...listed].filter((h) => !order.includes(h)).sort()];
  const text = `# written by lwt monitor at ${new Date().toISOString()}: ${ordered.length} working hosts\n${ordered.join('\n')}${ordered.length ? '\n' : ''}`;
  await writeFileAtomic(okFilePath(home), text);
  return ordered;
}

const SEVERITY: Record<HealthState, number> = { 'host-key': 0, auth: 1, dns: 2, refused: 3, timeout: 4, slow: 5, overloaded: 6, ok: 7 };

/** The table, problems first: host, state, latency, load, disk, since. */
export function formatMonitorTable(rows: readonly MonitorRow[]): string {
  const sorted = [...rows].sort((a, b) => SEVERITY[a.state] - SEVERITY[b.state] || a.host.localeCompare(b.host, 'en', { numeric: true }));
  const table = [['HOST', 'STATE', 'LATENCY', 'LOAD', 'DISK', 'SINCE', 'LISTED']];
  for (const r of sorted) {
    const m = r.health.metrics;
    table.push([
      r.host,
      r.state,
      r.probe.latencyMs !== undefined && r.state !== 'timeout' ? `${r.probe.latencyMs}ms` : '-',
      m?.load1 !== undefined ? `${m.load1}${m.cpus ? `/${m.cpus}` : ''}` : '-',
      m?.diskUsePct !== undefined ? `${m.diskUsePct}%` : '-',
      r.health.since.replace('T', ' ').slice(0, 19),
      r.listed ? 'yes' : 'no',
    ]);
  }
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  return table.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** Dropped/restored lines and the one-line summary. */
export function formatMonitorSummary(report: CycleReport): string {
  const lines: string[] = [];
  for (const r of report.rows) {
    if (r.change === 'dropped') {
      lines.push(`dropped ${r.host}: ${r.state} (${r.why}), ${r.health.consecutiveFailures} failures in a row`);
    } else if (r.change === 'restored') {
      lines.push(`restored ${r.host}: ok again, ${r.health.consecutiveSuccesses} successes in a row`);
    } else if (r.change === 'added') {
      lines.push(`added ${r.host}`);
    }
  }
  const counts = new Map<HealthState, string[]>();
  for (const r of report.rows) counts.set(r.state, [...(counts.get(r.state) ?? []), r.host]);
  const parts = [...counts].sort((a, b) => SEVERITY[b[0]] - SEVERITY[a[0]]).map(([s, hosts]) => `${hosts.length} ${s}`);
  const listed = report.rows.filter((r) => r.listed).length;
  lines.push(`${report.rows.length} hosts in ${formatMs(report.wallMs)}: ${parts.join(', ')}; ${listed} listed in ${report.okFile}`);
  const bad = report.rows.filter((r) => r.state !== 'ok').map((r) => r.host);
  if (bad.length) lines.push(`not ok: ${foldHosts(bad)}`);
  return lines.join('\n') + '\n';
}

export function monitorJsonLine(r: MonitorRow): string {
  const m = r.health.metrics;
  return (
    JSON.stringify({
      host: r.host,
      state: r.state,
      why: r.why,
      latencyMs: r.probe.latencyMs ?? null,
      load: m?.load1 ?? null,
      listed: r.listed,
      ...(r.change ? { change: r.change } : {}),
      since: r.health.since,
      consecutiveFailures: r.health.consecutiveFailures,
      ...(m ? { metrics: m } : {}),
      ...(r.probe.upRate !== undefined ? { upRate: Math.round(r.probe.upRate), downRate: Math.round(r.probe.downRate ?? 0) } : {}),
    }) + '\n'
  );
}
