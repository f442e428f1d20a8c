import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CappedOutput } from '../../../src/core/capped-output.js';

test('under the cap everything is kept verbatim', () => {
  const c = new CappedOutput(100);
  c.push(Buffer.from('hello '));
  c.push(Buffer.from('world'));
  assert.equal(c.toString(), 'hello world');
  assert.equal(c.droppedBytes, 0);
});

test('over the cap: head and tail kept, the middle counted and marked', () => {
  const c = new CappedOutput(10);
  for (let i = 0; i < 100; i++) c.push(Buffer.from(String(i % 10)));
  assert.equal(c.totalBytes, 100);
  assert.equal(c.droppedBytes, 90);
  assert.equal(c.toString(), '01234\n[lwt: 90 bytes of output omitted]\n56789');
});

test('one huge chunk is split between head and tail', () => {
  const c = new CappedOutput(8);
  c.push(Buffer.from('abcdefghijklmnopqrstuvwxyz'));
  assert.equal(c.toString(), 'abcd\n[lwt: 18 bytes of output omitted]\nwxyz');
});

test('the tail never starts inside a UTF-8 sequence', () => {
  const c = new CappedOutput(6);
  c.push(Buffer.from('aaa' + 'x'.repeat(20) + 'é' + 'b'));
  const s = c.toString();
  assert.ok(!s.includes('\uFFFD'), s);
  assert.ok(s.endsWith('b'));
});
