import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { shellQuote } from '../../../src/core/shell-quote.js';

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
