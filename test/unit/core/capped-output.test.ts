import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CappedOutput, CapturedOutput } from '../../../src/core/capped-output.js';

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

test("the head's cut: a lead byte with some of its continuation bytes is dropped from the text, by the lead's length", () => {
  // The cap is twice the head: the head is exactly these bytes.
  const text = (head: number[]): string => {
    const c = new CappedOutput(2 * head.length);
    c.push(Buffer.concat([Buffer.from(head), Buffer.from('x'.repeat(20))]));
    return c.toString().split('\n')[0]!;
  };
  assert.equal(text([0x61, 0x62, 0x63, 0xe2, 0x82]), 'abc', "'€' cut after 2 of its 3 bytes");
  assert.equal(text([0xe2, 0x82]), '', 'the whole head is the cut sequence');
  assert.equal(text([0x61, 0x62, 0x63, 0xf0, 0x9f, 0x98]), 'abc', '4-byte lead 0xf0 with 2 of its 3');
  assert.equal(text([0x61, 0xf7, 0x80]), 'a', 'lead 0xf7: still 4 bytes');
  assert.equal(text([0x61, 0xf7, 0x80, 0x80]), 'a', 'lead 0xf7 with 2 of its 3');
  assert.equal(text([0x61, 0x62, 0x63, 0xe0, 0xa4]), 'abc', '3-byte lead 0xe0 with 1 of its 2');
  assert.equal(text([0x61, 0x62, 0x63, 0xc0]), 'abc', '2-byte lead 0xc0 alone');
  // 0xf8 is no lead of 4 (it is read as 3 here): with 2 more bytes nothing is cut.
  assert.equal(text([0x61, 0x62, 0x63, 0xf8, 0x80, 0x80]), 'abc\uFFFD\uFFFD\uFFFD');
  // A whole character at the head's end is kept.
  assert.equal(text([0x61, 0xe2, 0x82, 0xac]), 'a€');
  assert.equal(text([0x61, ...Buffer.from('\u{1F600}')]), 'a\u{1F600}');
  assert.equal(text([0x61, 0xc3, 0xa9]), 'aé');
  // Only continuation bytes: nothing to cut by (invalid text, kept as U+FFFD).
  assert.equal(text([0x61, 0x80, 0x80]), 'a\uFFFD\uFFFD');
});

test('a captured result names the pid only when there is one', () => {
  const out = new CapturedOutput(100);
  out.stdout.push(Buffer.from('o'));
  out.stderr.push(Buffer.from('e'));
  const outcome = { kind: 'exited', code: 0 } as const;
  assert.deepEqual(out.result(outcome), {
    outcome,
    stdout: 'o',
    stderr: 'e',
    stdoutBytes: Buffer.from('o'),
    stderrBytes: Buffer.from('e'),
    truncated: { stdout: 0, stderr: 0 },
  });
  assert.equal('pid' in out.result(outcome), false);
  assert.equal(out.result(outcome, 42).pid, 42);
});
