import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LivePrefixer } from '../../../src/output/live-lines.js';
import { bufferScreen } from '../../../src/output/screen.js';
import { formatSummary } from '../../../src/output/summary.js';
import { foldHosts } from '../../../src/hosts/fold.js';

test('only whole lines are written, each with its label; stderr marked', () => {
  const screen = bufferScreen();
  const live = new LivePrefixer(screen);
  live.push('a', 'stdout', Buffer.from('hel'));
  live.push('b', 'stdout', Buffer.from('other\nhalf'));
  live.push('a', 'stdout', Buffer.from('lo\nwor'));
  live.push('a', 'stderr', Buffer.from('oops\n'));
  live.flush('a');
  live.flush('b');
  assert.deepEqual(screen.stdout, ['b: other\n', 'a: hello\n', 'a: wor\n', 'b: half\n']);
  assert.deepEqual(screen.stderr, ['a:err: oops\n']);
});

test('summary counts outcomes and groups failures', () => {
  const text = formatSummary(
    [
      { label: 'h1', outcome: { kind: 'exited', code: 0 }, durationMs: 1, attempts: 1, stdout: '', stderr: '' },
      { label: 'h2', outcome: { kind: 'exited', code: 3 }, durationMs: 1, attempts: 1, stdout: '', stderr: '' },
      { label: 'h3', outcome: { kind: 'exited', code: 3 }, durationMs: 1, attempts: 1, stdout: '', stderr: '' },
      { label: 'h4', outcome: { kind: 'unreachable', reason: 'refused', message: 'x' }, durationMs: 1, attempts: 1, stdout: '', stderr: '' },
    ],
    { noun: 'host', wallMs: 1500 },
  );
  assert.equal(text, '4 hosts in 1.50s: 1 ok, 2 exit 3, 1 unreachable (refused)\n  exit 3: h2,h3\n  unreachable (refused): h4: x\n');
});

test('summary: each distinct failure reason once, with its hosts folded, the host name not repeated', () => {
  const failed = (label: string, message: string) => ({ label, outcome: { kind: 'failed' as const, message }, durationMs: 1, attempts: 1, stdout: '', stderr: '' });
  const auth = (label: string) => ({ label, outcome: { kind: 'unreachable' as const, reason: 'auth' as const, message: `${label}: authentication refused` }, durationMs: 1, attempts: 1, stdout: '', stderr: '' });
  const text = formatSummary([failed('n1', '/x: no such file'), failed('n2', '/x: no such file'), failed('n3', 'permission denied'), auth('n4'), auth('n5')], {
    noun: 'host',
    wallMs: 10,
    foldLabels: foldHosts,
  });
  assert.equal(
    text,
    '5 hosts in 10ms: 0 ok, 3 failed, 2 unreachable (auth)\n' +
      '  failed: n[1-2]: /x: no such file\n' +
      '  failed: n3: permission denied\n' +
      '  unreachable (auth): n[4-5]: authentication refused\n',
  );
});

test('summary: hosts whose output went over the cap are named, ok or not', () => {
  const cut = { stdout: 4000, stderr: 0 };
  const text = formatSummary(
    [
      { label: 'h1', outcome: { kind: 'exited', code: 0 }, durationMs: 1, attempts: 1, stdout: '', stderr: '', truncated: cut },
      { label: 'h2', outcome: { kind: 'exited', code: 0 }, durationMs: 1, attempts: 1, stdout: '', stderr: '' },
      { label: 'h3', outcome: { kind: 'exited', code: 2 }, durationMs: 1, attempts: 1, stdout: '', stderr: '', truncated: cut },
    ],
    { noun: 'host', wallMs: 10 },
  );
  assert.equal(text, '3 hosts in 10ms: 2 ok, 1 exit 2\n  exit 2: h3\n  output over --output-cap, its middle dropped: h1,h3\n');
});
