import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quoteForMessage } from '../../../src/hosts/quote.js';

test('text is quoted with control characters escaped', () => {
  assert.equal(quoteForMessage('web1'), "'web1'");
  assert.equal(quoteForMessage('a\nb\x1b[2J\x7f\x00 ~'), "'a\\x0ab\\x1b[2J\\x7f\\x00 ~'");
  assert.equal(quoteForMessage('\t'), "'\\x09'");
});

test('text over 120 characters is cut short, at 120 it is whole', () => {
  assert.equal(quoteForMessage('x'.repeat(120)), `'${'x'.repeat(120)}'`);
  assert.equal(quoteForMessage('x'.repeat(121)), `'${'x'.repeat(120)}...'`);
  assert.equal(quoteForMessage('y'.repeat(1_000_000)).length, 125);
});
