import { test } from 'node:test';
import assert from 'node:assert/strict';
import { neutraliseControls, streamStyles, wantsColor } from '../../../src/output/text-style.js';
import { LivePrefixer } from '../../../src/output/live-lines.js';
import { bufferScreen } from '../../../src/output/screen.js';
import { formatGathered } from '../../../src/output/gather.js';

const tty = { isTTY: true };
const pipe = { isTTY: false };

test('control characters but tab and newline become visible ^X; C1 as \\u escapes', () => {
  assert.equal(neutraliseControls('a\tb\n\x1b]0;pwned\x07c\x7f\x9b2J\r'), 'a\tb\n^[]0;pwned^Gc^?\\u009b2J^M');
  assert.equal(neutraliseControls('plain text é ✓'), 'plain text é ✓');
});

test('on a terminal live and gathered output are neutralised; on a pipe or with --raw-output kept', () => {
  const evil = Buffer.from('\x1b[2J\x1b[Hhello\n');
  const onTty = bufferScreen();
  new LivePrefixer(onTty, streamStyles('never', false, { stdout: tty, stderr: tty })).push('h1', 'stdout', evil);
  assert.deepEqual(onTty.stdout, ['h1: ^[[2J^[[Hhello\n']);
  const raw = bufferScreen();
  new LivePrefixer(raw, streamStyles('never', true, { stdout: tty, stderr: tty })).push('h1', 'stdout', evil);
  assert.deepEqual(raw.stdout, ['h1: \x1b[2J\x1b[Hhello\n']);
  const piped = bufferScreen();
  new LivePrefixer(piped, streamStyles('auto', false, { stdout: pipe, stderr: pipe })).push('h1', 'stdout', evil);
  assert.deepEqual(piped.stdout, ['h1: \x1b[2J\x1b[Hhello\n']);
  const r = { label: 'h1', outcome: { kind: 'exited', code: 0 } as const, durationMs: 1, attempts: 1, stdout: '\x1b]0;x\x07ok\n', stderr: '' };
  const gathered = formatGathered([r], (l) => l.join(','), streamStyles('never', false, { stdout: tty, stderr: tty }).out);
  assert.match(gathered, /\^\[\]0;x\^Gok\n$/);
});

test('colour: auto on a terminal unless NO_COLOR or TERM=dumb; always and never as said', () => {
  assert.equal(wantsColor('auto', tty, {}), true);
  assert.equal(wantsColor('auto', pipe, {}), false);
  assert.equal(wantsColor('auto', tty, { NO_COLOR: '1' }), false);
  assert.equal(wantsColor('auto', tty, { NO_COLOR: '' }), true);
  assert.equal(wantsColor('auto', tty, { TERM: 'dumb' }), false);
  assert.equal(wantsColor('always', pipe, { NO_COLOR: '1' }), true);
  assert.equal(wantsColor('never', tty, {}), false);
  const screen = bufferScreen();
  new LivePrefixer(screen, streamStyles('always', false, { stdout: pipe, stderr: pipe })).push('h1', 'stderr', Buffer.from('bad\n'));
  assert.deepEqual(screen.stderr, ['\x1b[36mh1\x1b[39m\x1b[31m:err\x1b[39m: bad\n']);
});
