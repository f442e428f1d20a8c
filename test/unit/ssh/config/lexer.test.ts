import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineError, splitArgs, splitKeyword } from '../../../../src/ssh/config/lexer.js';

test('splitKeyword: blanks, one = at most, comments and empty lines', () => {
  assert.deepEqual(splitKeyword('Port 22'), { keyword: 'Port', rest: '22' });
  assert.deepEqual(splitKeyword('  Port=22'), { keyword: 'Port', rest: '22' });
  assert.deepEqual(splitKeyword('Port = 22'), { keyword: 'Port', rest: '22' });
  assert.deepEqual(splitKeyword('Port == 22'), { keyword: 'Port', rest: '= 22' });
  assert.deepEqual(splitKeyword('User "a b"'), { keyword: 'User', rest: '"a b"' });
  assert.equal(splitKeyword('   '), undefined);
  assert.equal(splitKeyword('  # a comment'), undefined);
});

test('splitArgs: quotes, escapes and comments as OpenSSH argv_split()', () => {
  assert.deepEqual(splitArgs('a  b\tc'), ['a', 'b', 'c']);
  assert.deepEqual(splitArgs('"a b" \'c d\' e"f g"h'), ['a b', 'c d', 'ef gh']);
  assert.deepEqual(splitArgs('a\\ b \\"c\\" d\\\\e f\\x'), ['a b', '"c"', 'd\\e', 'f\\x']);
  assert.deepEqual(splitArgs('a #b c'), ['a']);
  assert.deepEqual(splitArgs('a#b'), ['a#b']);
  assert.deepEqual(splitArgs('""'), ['']);
  assert.throws(() => splitArgs('"open'), LineError);
});
