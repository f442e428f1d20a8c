import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineError, matchWords, splitArgs, splitKeyword } from '../../../../src/ssh/config/lexer.js';

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

test('splitKeyword: a quote inside the keyword is dropped and the keyword runs to the next quote, as strdelim() (ssh -G agrees)', () => {
  // ssh -G: `User"bob" alice` is the unknown keyword userbob; `"User" alice` and `Us"er" alice` set user alice.
  assert.deepEqual(splitKeyword('"User" alice'), { keyword: 'User', rest: 'alice' });
  assert.deepEqual(splitKeyword('Us"er"  alice'), { keyword: 'User', rest: 'alice' });
  assert.deepEqual(splitKeyword('User"" alice'), { keyword: 'User', rest: 'alice' });
  assert.deepEqual(splitKeyword('User"bob" alice'), { keyword: 'Userbob', rest: 'alice' });
  // No closing quote: ssh ignores the line.
  assert.equal(splitKeyword('User"bob'), undefined);
});

test('splitKeyword: CR and LF are blanks too, and blanks after = are skipped', () => {
  assert.deepEqual(splitKeyword('Port\r22'), { keyword: 'Port', rest: '22' });
  assert.deepEqual(splitKeyword('Port\n22'), { keyword: 'Port', rest: '22' });
  assert.deepEqual(splitKeyword('\r\n\t Port\t= \t22'), { keyword: 'Port', rest: '22' });
  assert.deepEqual(splitKeyword('Port=\t 22'), { keyword: 'Port', rest: '22' });
  assert.deepEqual(splitKeyword('Port'), { keyword: 'Port', rest: '' });
});

test("splitArgs: \\' is a quote, not the start of one; inside quotes a backslash before a space stays", () => {
  assert.deepEqual(splitArgs("a\\'b"), ["a'b"]);
  assert.deepEqual(splitArgs('"a\\ b"'), ['a\\ b']);
  assert.deepEqual(splitArgs("'a\\\"b' c"), ['a"b', 'c']);
});

test('matchWords: strdelim with = as a separator, one more = skipped after blanks, quotes, empty words end the list', () => {
  assert.deepEqual(matchWords('host web user x'), ['host', 'web', 'user', 'x']);
  for (const t of ['host=web', 'host =web', 'host = web', 'host= web', 'host\t=\tweb  ']) assert.deepEqual(matchWords(t), ['host', 'web'], t);
  // A second = is not a separator any more: an empty word, where ssh sees a missing argument.
  assert.deepEqual(matchWords('host==web'), ['host', '']);
  assert.deepEqual(matchWords('host = =web'), ['host', '']);
  assert.deepEqual(matchWords('host we"b c"d'), ['host', 'web c', 'd']);
  assert.deepEqual(matchWords('host ""'), ['host', '']);
  assert.deepEqual(matchWords('host "web'), ['host']);
  assert.deepEqual(matchWords('host web # c'), ['host', 'web', '#', 'c']);
  assert.deepEqual(matchWords(''), []);
});
