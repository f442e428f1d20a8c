import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRequest, READY_LINE, RunnerFrames, type RunnerFrame } from '../../../src/dispatch/runner-frames.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Feed `wire` in pieces of `size` bytes and collect every frame. */
function feed(wire: Buffer, size: number): RunnerFrame[] {
  const f = new RunnerFrames();
  const out: RunnerFrame[] = [];
  for (let i = 0; i < wire.length; i += size) out.push(...f.push(wire.subarray(i, i + size)));
  return out;
}

test('frames come out the same whatever the chunk sizes, noise before the ready line skipped', () => {
  const payload = Buffer.from([0, 10, 0x1e, 0xff, 0x58, 0x0a]); // NUL, newline, the marker byte, invalid UTF-8, "X\n"
  const wire = Buffer.concat([
    b('motd from .bashrc\n'),
    b(READY_LINE),
    b(`O${payload.length}\n`),
    payload,
    b('E3\nerr'),
    b('O0\n'),
    b('X256\n'),
    b('X9\n'),
  ]);
  const expected: RunnerFrame[] = [
    { type: 'ready' },
    { type: 'output', stream: 'stdout', data: payload },
    { type: 'output', stream: 'stderr', data: b('err') },
    { type: 'output', stream: 'stdout', data: Buffer.alloc(0) },
    { type: 'exit', status: 256 },
    { type: 'exit', status: 9 },
  ];
  for (const size of [1, 2, 3, 7, 16, wire.length]) assert.deepEqual(feed(wire, size), expected, `chunks of ${size}`);
});

test('nothing is a frame before the ready line, however long the noise', () => {
  const f = new RunnerFrames();
  assert.deepEqual(f.push(b('X0\n'.repeat(1000))), []);
  assert.equal(f.isReady, false);
  assert.deepEqual(f.push(b(READY_LINE.slice(0, 5))), []);
  assert.deepEqual(f.push(b(READY_LINE.slice(5) + 'X0\n')), [{ type: 'ready' }, { type: 'exit', status: 0 }]);
  assert.equal(f.isReady, true);
});

test('bytes that are not a frame are reported once as garbage, then ignored', () => {
  const f = new RunnerFrames();
  const frames = f.push(b(`${READY_LINE}X0\nhello world\nX0\n`));
  assert.deepEqual(frames.slice(0, 2), [{ type: 'ready' }, { type: 'exit', status: 0 }]);
  assert.equal(frames.length, 3);
  assert.equal(frames[2]!.type, 'garbage');
  assert.match((frames[2] as { near: string }).near, /hello world/);
  assert.deepEqual(f.push(b('X0\n')), []);
});

test('a header that never ends is garbage once it is longer than any header', () => {
  const f = new RunnerFrames();
  f.push(b(READY_LINE));
  assert.deepEqual(f.push(b('O12345')), [], 'a header still arriving');
  const frames = f.push(b('6'.repeat(30)));
  assert.equal(frames.length, 1);
  assert.equal(frames[0]!.type, 'garbage');
});

test('a request is the byte length, a newline, then the command as UTF-8', () => {
  assert.deepEqual(encodeRequest('echo é\nx'), Buffer.concat([b('9\n'), Buffer.from('echo é\nx', 'utf8')]));
  assert.deepEqual(encodeRequest(''), b('0\n'));
});
