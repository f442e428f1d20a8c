import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMonitorSummary } from '../../../src/output/monitor-report.js';
import type { CycleReport, MonitorRow } from '../../../src/hosts/health.js';

const row = (host: string, change: MonitorRow['change'], listed = true): MonitorRow =>
  ({ host, state: 'ok', why: '', listed, change, health: { state: 'ok', listed, since: '', consecutiveFailures: 0, consecutiveSuccesses: 1 }, probe: {} }) as unknown as MonitorRow;

test('a first cycle prints one folded "added" line, not one per host', () => {
  const rows = Array.from({ length: 20 }, (_, i) => row(`127.0.1.${i + 1}`, 'added'));
  const text = formatMonitorSummary({ rows, wallMs: 5, okFile: 'hosts/ok', okTotal: 20, cancelled: false });
  assert.equal(text.split('\n').filter((l) => l.startsWith('added')).join('\n'), 'added 127.0.1.[1-20]');
  assert.match(text, /20 hosts in .*; 20 listed in hosts\/ok/);
});

test('a subset probed (-w) says how many hosts/ok lists, not only the subset', () => {
  const report: CycleReport = { rows: [row('web1', undefined as never, false), row('web2', undefined as never, false)], wallMs: 5, okFile: 'hosts/ok', okTotal: 18, cancelled: false };
  const text = formatMonitorSummary(report);
  assert.match(text, /2 hosts in .*: 2 ok; 0 of them listed; hosts\/ok lists 18 hosts/);
  assert.doesNotMatch(text, /0 listed in hosts\/ok/);
});
