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

test('the tail never starts inside a UTF-8 sequence: the continuation bytes it was cut in are skipped', () => {
  // Cap 4: head 2 bytes, tail 2 bytes. The tail is cut after the first byte of each sequence.
  const cases: Array<[string, string]> = [
    ['é', 'b'], // 2 bytes: 1 continuation byte left in the tail
    ['€', ''], // 3 bytes: 2 continuation bytes
  ];
  for (const [ch, rest] of cases) {
    const c = new CappedOutput(4);
    c.push(Buffer.from('aa' + 'x'.repeat(10) + ch + rest));
    const dropped = 10 + Buffer.byteLength(ch) + Buffer.byteLength(rest) - 2;
    assert.equal(c.droppedBytes, dropped, ch);
    assert.equal(c.toString(), `aa\n[lwt: ${dropped} bytes of output omitted]\n${rest}`, ch);
  }
  // A 4-byte sequence cut after its first byte leaves 3 continuation bytes, all skipped.
  const c = new CappedOutput(8);
  c.push(Buffer.from('aaaa' + 'x'.repeat(10) + '\u{1F600}' + 'z'));
  assert.equal(c.toString(), `aaaa\n[lwt: 11 bytes of output omitted]\nz`);
});

test('the skip stops after 4 bytes: a tail of stray continuation bytes keeps the rest as U+FFFD', () => {
  const c = new CappedOutput(12);
  c.push(Buffer.concat([Buffer.from('headxx'), Buffer.from('y'.repeat(5)), Buffer.alloc(6, 0x80)]));
  assert.equal(c.droppedBytes, 5);
  // 4 skipped, the 2 left are invalid UTF-8.
  assert.equal(c.toString(), 'headxx\n[lwt: 5 bytes of output omitted]\n\uFFFD\uFFFD');
});

test('a tail that starts on a whole character is not trimmed', () => {
  const c = new CappedOutput(6);
  c.push(Buffer.from('aaa' + 'x'.repeat(20) + 'é' + 'b'));
  assert.equal(c.toString(), 'aaa\n[lwt: 20 bytes of output omitted]\néb');
});

test('bytes are kept exactly, invalid UTF-8 included; only the text replaces it', () => {
  const raw = Buffer.from([0x61, 0xff, 0xfe, 0xc3, 0x28, 0x0a, 0x80]);
  const c = new CappedOutput(100);
  c.push(raw.subarray(0, 3));
  c.push(raw.subarray(3));
  assert.deepEqual(c.toBuffer(), raw);
  assert.notEqual(Buffer.byteLength(c.toString()), raw.length);
});

test('over the cap the bytes are head, marker and tail, exactly', () => {
  const c = new CappedOutput(4);
  c.push(Buffer.from([0xff, 0xfe, 1, 2, 3, 0x80, 0x81]));
  assert.deepEqual(c.toBuffer(), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('\n[lwt: 3 bytes of output omitted]\n'), Buffer.from([0x80, 0x81])]));
});

test('the head never ends inside a UTF-8 sequence either; the bytes still keep it', () => {
  const c = new CappedOutput(6);
  c.push(Buffer.from('ab€' + 'x'.repeat(20))); // '€' is 3 bytes: the head's 3 bytes end after its first
  assert.equal(c.toString(), 'ab\n[lwt: 19 bytes of output omitted]\nxxx');
  assert.deepEqual(c.toBuffer().subarray(0, 3), Buffer.from('ab€').subarray(0, 3));
});
