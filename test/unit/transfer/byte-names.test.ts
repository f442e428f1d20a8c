import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytePath, decodeName, encodeName, hasEscapes } from '../../../src/transfer/byte-names.js';

test('names round-trip byte for byte, valid UTF-8 or not', () => {
  const samples = [
    Buffer.from('plain.txt'),
    Buffer.from('café 😀 Ω'),
    Buffer.from([0x66, 0xff, 0x6f]), // f\xffo
    Buffer.from([0xe9, 0x74, 0xe9]), // latin-1 "été"
    Buffer.from([0xc3]), // a cut sequence
    Buffer.from([0xed, 0xa0, 0x80]), // an encoded surrogate: not UTF-8
    Buffer.from([0xc0, 0xaf]), // overlong '/'
    Buffer.from([0xf4, 0x90, 0x80, 0x80]), // above U+10FFFF
    Buffer.from([0xf0, 0x90, 0x82, 0x80, 0x80]), // U+10080 (low surrogate DC80 in UTF-16) then a stray byte
  ];
  for (const b of samples) {
    const s = decodeName(b);
    assert.deepEqual(encodeName(s), b, JSON.stringify(s));
    assert.deepEqual(Buffer.from(bytePath(s) as string | Buffer), b);
  }
});

test('valid names stay ordinary strings; invalid bytes become escapes', () => {
  assert.equal(decodeName(Buffer.from('café')), 'café');
  assert.equal(hasEscapes('café 😀'), false);
  assert.equal(hasEscapes(decodeName(Buffer.from([0xf0, 0x90, 0x82, 0x80]))), false, 'U+10080 is not an escape');
  assert.equal(bytePath('café'), 'café');
  const s = decodeName(Buffer.from([0x61, 0xff]));
  assert.equal(s, 'a\udcff');
  assert.equal(hasEscapes(s), true);
  assert.ok(Buffer.isBuffer(bytePath(s)));
});
