import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wrapHelp } from '../../../src/cli/help-wrap.js';

test('long help lines wrap at spaces under their own text column; short ones are untouched', () => {
  assert.equal(wrapHelp('short\n  1    one two three four five six', 20), 'short\n  1    one two three\n       four five six');
  assert.equal(wrapHelp('- item with words that wrap', 14), '- item with\n  words that\n  wrap');
  assert.equal(wrapHelp('averyveryverylongword x', 8), 'averyveryverylongword\nx');
});

test('unindented prose that does not fit is reflowed as a paragraph', () => {
  assert.equal(wrapHelp('one two three four\nfive six\n\n  kept as is', 12), 'one two\nthree four\nfive six\n\n  kept as is');
  assert.equal(wrapHelp('fits\nalso fits', 12), 'fits\nalso fits');
});

test('the width is the terminal\'s, or 80 when stdout is not a terminal', async () => {
  const { helpWidth } = await import('../../../src/cli/help-wrap.js');
  assert.equal(helpWidth({ isTTY: true, columns: 60 }), 60);
  assert.equal(helpWidth({ isTTY: false, columns: 60 }), 80);
  assert.equal(helpWidth({}), 80);
});
