import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { shellQuote, shellQuoteBytes, utf8SequenceLength } from '../../../src/core/shell-quote.js';

test('plain words stay bare; anything else is single-quoted', () => {
  assert.equal(shellQuote('/srv/www-1/a_b.c,d:e=f@g%h+i'), '/srv/www-1/a_b.c,d:e=f@g%h+i');
  assert.equal(shellQuote(''), "''");
  assert.equal(shellQuote('a b'), "'a b'");
  assert.equal(shellQuote('$HOME'), "'$HOME'");
  assert.equal(shellQuote('-x'), '-x');
  assert.equal(shellQuote("it's"), "'it'\\''s'");
  assert.equal(shellQuote("''"), "''\\'''\\'''");
});

test('the shell reads every quoted word back as it was', () => {
  const words = ['a b', "it's", '$(touch /tmp/x)', '`id`', 'tab\there', 'new\nline', '*', '~', 'back\\slash', "'", '"', ';|&<>'];
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${words.map(shellQuote).join(' ')}`]).toString('utf8');
  assert.deepEqual(out.split('\0').slice(0, -1), words);
});

/** What /bin/sh makes of WORD: the bytes of `printf %s WORD`. */
function shellSees(word: string): Buffer {
  return execFileSync('/bin/sh', ['-c', `printf %s ${word}`]);
}

test('shellQuoteBytes: any bytes come out of the shell exactly, as one word', () => {
  const cases = [
    Buffer.from([0x66, 0xff, 0xfe, 0x67]), // invalid bytes inside text
    Buffer.from([0xff]),
    Buffer.from("it's é 日本 'x' $(touch /tmp/never) \\ \"", 'utf8'),
    Buffer.from([0xe2, 0x82]), // a cut sequence
    Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80]), // overlong, surrogate, past U+10FFFF
    Buffer.concat([Buffer.from('a b\t'), Buffer.from([0x80]), Buffer.from("'")]),
    Buffer.alloc(0),
  ];
  for (const c of cases) {
    const word = shellQuoteBytes(c);
    assert.ok(Buffer.from(word, 'utf8').toString('utf8') === word && !word.includes('\ufffd'), `${word} is valid text`);
    assert.deepEqual(shellSees(word), c, `${c.toString('hex')} through ${word}`);
  }
  assert.equal(shellQuoteBytes(Buffer.from('plain')), 'plain');
});

test('utf8SequenceLength follows RFC 3629 as Node decodes', () => {
  for (let b = 0; b < 256; b++) {
    for (const tail of [[0x80, 0x80, 0x80], [0xa0, 0x80, 0x80], [0x90, 0x80, 0x80], [0xbf, 0xbf, 0xbf], [0x41]]) {
      const buf = Buffer.from([b, ...tail]);
      const n = utf8SequenceLength(buf, 0);
      const first = String.fromCodePoint(buf.toString('utf8').codePointAt(0)!);
      const expected = first === '\ufffd' ? 0 : Buffer.byteLength(first);
      assert.equal(n, expected, `${buf.toString('hex')}`);
    }
  }
});

test('shellQuoteBytes spells each run once: valid text quoted as text, only invalid bytes as octal, nothing as two quotes', () => {
  assert.equal(shellQuoteBytes(Buffer.from([0xff])), `"$(printf '\\377')"`);
  assert.equal(shellQuoteBytes(Buffer.from([0x61, 0xff, 0x62])), `a"$(printf '\\377')"b`);
  assert.equal(shellQuoteBytes(Buffer.from([0xff, 0xfe, 0x20, 0x61])), `"$(printf '\\377\\376')"' a'`);
  assert.equal(shellQuoteBytes(Buffer.alloc(0)), "''");
});
