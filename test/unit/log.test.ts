import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger, pruneLogs, setupLogging, shutdownLogging } from '../../src/log.js';

test('a log file is created at its first line, not before, and is 0600', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lwt-logs-'));
  try {
    setupLogging({ level: 'error', dir, verb: 'test' });
    await shutdownLogging();
    assert.deepEqual(readdirSync(dir), [], 'a run that logged nothing left a file');
    setupLogging({ level: 'error', dir, verb: 'test' });
    logger('t').debug('first line');
    await shutdownLogging();
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    assert.match(readFileSync(join(dir, files[0]!), 'utf8'), /DEBUG first line/);
    assert.equal(statSync(join(dir, files[0]!)).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('logs are pruned by age and count as well as total size; empty ones always go', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lwt-logs-'));
  try {
    const now = Date.now();
    const day = 24 * 3600 * 1000;
    const make = (name: string, bytes: number, ageMs: number): void => {
      writeFileSync(join(dir, name), 'x'.repeat(bytes));
      utimesSync(join(dir, name), (now - ageMs) / 1000, (now - ageMs) / 1000);
    };
    make('lwt-a-old.log', 10, 40 * day);
    make('lwt-b-empty.log', 0, 1000);
    for (let i = 0; i < 6; i++) make(`lwt-c-${i}.log`, 10, (6 - i) * 60_000);
    make('notes.txt', 10, 90 * day);
    pruneLogs(dir, { totalBytes: 1e9, maxFiles: 4, maxAgeMs: 30 * day }, now);
    assert.deepEqual(readdirSync(dir).sort(), ['lwt-c-2.log', 'lwt-c-3.log', 'lwt-c-4.log', 'lwt-c-5.log', 'notes.txt']);
    pruneLogs(dir, { totalBytes: 25, maxFiles: 100, maxAgeMs: 30 * day }, now);
    assert.deepEqual(readdirSync(dir).sort(), ['lwt-c-4.log', 'lwt-c-5.log', 'notes.txt']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a log file rolls at maxBytes into .1, then .2; no file grows past it; the newest lines are in the file itself', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lwt-logs-'));
  try {
    setupLogging({ level: 'error', dir, verb: 'roll', maxBytes: 400 });
    for (let i = 0; i < 40; i++) logger('t').debug(`line ${String(i).padStart(2, '0')} ${'x'.repeat(40)}`);
    await shutdownLogging();
    const files = readdirSync(dir).sort();
    assert.equal(files.length, 3, files.join(' '));
    const [base, one, two] = [files[0]!, `${files[0]!}.1`, `${files[0]!}.2`];
    assert.deepEqual(files, [base, one, two]);
    const numbers = (name: string): number[] => [...readFileSync(join(dir, name), 'utf8').matchAll(/line (\d+)/g)].map((m) => Number(m[1]));
    for (const f of files) assert.ok(statSync(join(dir, f)).size <= 400, `${f}: ${statSync(join(dir, f)).size} bytes`);
    // Oldest to newest: .2, .1, the file; consecutive, ending with the last line written.
    const order = [...numbers(two), ...numbers(one), ...numbers(base)];
    assert.equal(order.at(-1), 39);
    assert.deepEqual(order, order.map((_, i) => order[0]! + i));
    assert.ok(numbers(two).length > 0 && numbers(one).length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
