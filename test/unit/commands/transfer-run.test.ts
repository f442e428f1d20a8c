import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transferSummary } from '../../../src/commands/transfer-run.js';
import type { JobResult } from '../../../src/runner/results.js';
import { formatBytes } from '../../../src/output/progress.js';

const rec = (label: string, extra: Record<string, number>, ok = true): JobResult => ({
  label,
  outcome: ok ? { kind: 'exited', code: 0 } : { kind: 'unreachable', reason: 'refused', message: 'x' },
  durationMs: 1,
  attempts: 1,
  stdout: '',
  stderr: '',
  extra,
});

test('the transfer summary says per host what moved, hosts with the same counts on one line', () => {
  const same = { filesSent: 10, bytesSent: 128, filesDeleted: 0 };
  const text = transferSummary(
    [rec('web1', same), rec('web2', same), rec('web3', { filesSent: 1, bytesSent: 52428800, filesDeleted: 2 }), rec('web4', { filesSent: 0, bytesSent: 0, filesDeleted: 0 }, false)],
    'sent',
    false,
  );
  assert.equal(text, 'sent: web[1-2]: 10 files (128 B), 0 deleted\nsent: web3: 1 file (50.0 MiB), 2 deleted\n');
  assert.match(transferSummary([rec('db1', { filesReceived: 3, bytesReceived: 2048, filesDeleted: 0 })], 'received', true), /^would be received: db1: 3 files \(2\.00 KiB\), 0 deleted\n$/);
});

test('byte counts read as people write them', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(20 * 1024 * 1024), '20.0 MiB');
  assert.equal(formatBytes(700 * 1024), '700 KiB');
  assert.equal(formatBytes(3.25 * 1024 ** 3), '3.25 GiB');
});
