import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { jobDeadline } from '../core/deadline.js';
import { healthFilePath, okFilePath, writeOkFile } from '../hosts/health-files.js';
import {
  classifyProbe,
  nextHealth,
  readHealth,
  writeHealth,
  type CycleReport,
  type MonitorRow,
  type Hysteresis,
  type ProbeResult,
  type Thresholds,
} from '../hosts/health.js';
import { formatHostSpec, type HostSpec } from '../hosts/host-spec.js';
import type { Client } from '../ssh/vendor.js';
import type { Connections } from '../runner/connections.js';
import type { RunEvents } from '../runner/events.js';
import { runHosts, type HostJob } from '../runner/host-runner.js';
import type { JobWork } from '../runner/job-runner.js';
import { execRemote } from '../ssh/remote-exec.js';
import { parseProbeOutput, probeCommand } from '../hosts/probe.js';

export interface MonitorOptions {
  home: string;
  hosts: HostSpec[];
  connections: Connections;
  concurrency: number;
  /** Deadline of the probe command (and of each bandwidth transfer), after connecting. */
  probeTimeoutMs: number;
  diskPath: string;
  load: boolean;
  /** --bandwidth: bytes to upload and download per host. */
  bandwidthBytes?: number;
  thresholds: Thresholds;
  hysteresis: Hysteresis;
  signal?: AbortSignal;
  events?: RunEvents;
  /**
   * The hosts are the whole candidate list: forget state of hosts no longer in it, so a host
   * removed from the candidates also leaves hosts/ok. False when probing a subset (-H/-w).
   */
  prune: boolean;
}

/** One probe on an open connection: the probe command, optionally bytes both ways. Never throws. */
async function probeHost(job: HostJob, opts: MonitorOptions): Promise<JobWork<ProbeResult>> {
  const started = Date.now();
  const probe = await withDeadline(job.signal, opts.probeTimeoutMs, (signal) =>
    execRemote(job.client, { command: probeCommand({ diskPath: opts.diskPath, load: opts.load }), signal, outputCapBytes: 64 * 1024 }),
  );
  const latencyMs = Date.now() - started;
  const result: ProbeResult = { outcome: probe.outcome, latencyMs, metrics: parseProbeOutput(probe.stdout) };
  if (opts.bandwidthBytes && probe.outcome.kind === 'exited' && probe.outcome.code === 0) {
    const rates = await measureRates(job.client, opts.bandwidthBytes, job.signal, opts.probeTimeoutMs);
    if ('outcome' in rates) result.outcome = rates.outcome;
    else Object.assign(result, rates);
  }
  return { outcome: result.outcome, data: result };
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
  const run = await runHosts<ProbeResult>({
    hosts: opts.hosts,
    connections: opts.connections,
    concurrency: opts.concurrency,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.events ? { events: opts.events } : {}),
    work: (job) => probeHost(job, opts),
  });
  // The runner's outcome wins (it says so when we killed a probe); the data rides along.
  const probes: ProbeResult[] = run.results.map((r) => ({ ...(r.data ?? {}), outcome: r.outcome }));
  const now = new Date().toISOString();
  const rows: MonitorRow[] = [];
  let okTotal: number | undefined;
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
    await mkdir(dirname(statePath), { recursive: true });
    await mkdir(dirname(okFilePath(opts.home)), { recursive: true });
    await writeHealth(statePath, health);
    okTotal = (await writeOkFile(opts.home, health.hosts, opts.hosts.map(formatHostSpec))).length;
  }
  return { rows, wallMs: Date.now() - started, okFile: okFilePath(opts.home), ...(okTotal !== undefined ? { okTotal } : {}), cancelled: run.cancelled };
}

