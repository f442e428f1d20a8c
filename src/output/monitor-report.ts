/** How a monitor cycle reads to the operator: the table (problems first), the changes and summary, JSON lines. */
import { count } from './plural.js';
import { formatMs } from '../core/outcome.js';
import type { CycleReport, HealthState, MonitorRow } from '../hosts/health.js';
import { foldHosts } from '../hosts/fold.js';

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
  const added: string[] = [];
  for (const r of report.rows) {
    if (r.change === 'dropped') {
      lines.push(`dropped ${r.host}: ${r.state} (${r.why}), ${r.health.consecutiveFailures} failures in a row`);
    } else if (r.change === 'restored') {
      lines.push(`restored ${r.host}: ok again, ${r.health.consecutiveSuccesses} successes in a row`);
    } else if (r.change === 'added') {
      added.push(r.host);
    }
  }
  // A first cycle adds every working host: one folded line, not one per host.
  if (added.length) lines.push(`added ${foldHosts(added)}`);
  const counts = new Map<HealthState, string[]>();
  for (const r of report.rows) counts.set(r.state, [...(counts.get(r.state) ?? []), r.host]);
  const parts = [...counts].sort((a, b) => SEVERITY[b[0]] - SEVERITY[a[0]]).map(([s, hosts]) => `${hosts.length} ${s}`);
  const listed = report.rows.filter((r) => r.listed).length;
  lines.push(`${count(report.rows.length, 'host')} in ${formatMs(report.wallMs)}: ${parts.join(', ')}; ${listedText(listed, report)}`);
  const bad = report.rows.filter((r) => r.state !== 'ok').map((r) => r.host);
  if (bad.length) lines.push(`not ok: ${foldHosts(bad)}`);
  return lines.join('\n') + '\n';
}

/** `18 listed in hosts/ok`, or with a subset probed (-w) `2 of them listed; hosts/ok lists 18`. */
function listedText(listed: number, report: CycleReport): string {
  if (report.okTotal === undefined || report.okTotal === listed) return `${listed} listed in ${report.okFile}`;
  return `${listed} of them listed; ${report.okFile} lists ${count(report.okTotal, 'host')}`;
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
