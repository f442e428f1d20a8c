import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isLiteralPattern,
  matchPattern,
  matchPatternList,
  matchPatternListResult,
  splitPatternList,
} from '../../../src/ssh/host-patterns.js';

test('matchPattern: * and ? globs', () => {
  assert.equal(matchPattern('web1.example.com', '*.example.com'), true);
  assert.equal(matchPattern('example.com', '*.example.com'), false);
  assert.equal(matchPattern('web1', 'web?'), true);
  assert.equal(matchPattern('web10', 'web?'), false);
  assert.equal(matchPattern('anything', '*'), true);
  assert.equal(matchPattern('', '*'), true);
  assert.equal(matchPattern('', ''), true);
  assert.equal(matchPattern('a', ''), false);
  assert.equal(matchPattern('abcbcd', 'a*bcd'), true);
  assert.equal(matchPattern('axbxcxd', 'a*b*c*d'), true);
  assert.equal(matchPattern('axbxcx', 'a*b*c*d'), false);
  assert.equal(matchPattern('[db]:2222', '[db]:2222'), true, 'brackets are literal');
  assert.equal(matchPattern('[db1]:2222', '[db?]:*'), true);
});

test('matchPattern: case-insensitive by default, case-sensitive on request', () => {
  assert.equal(matchPattern('Web1.Example.COM', '*.example.com'), true);
  assert.equal(matchPattern('web1.example.com', 'WEB?.*'), true);
  assert.equal(matchPattern('Foo', 'foo', true), false);
  assert.equal(matchPattern('foo', 'foo', true), true);
});

test('matchPattern: long names do not blow up', () => {
  const name = 'a'.repeat(5000);
  assert.equal(matchPattern(name, `${'*a'.repeat(30)}b`), false);
  assert.equal(matchPattern(name, '*a*a*a'), true);
});

test('matchPatternList: negation vetoes the whole list', () => {
  assert.equal(matchPatternList('db1', ['db*', '!db1']), false);
  assert.equal(matchPatternList('db1', ['!db1', 'db*']), false);
  assert.equal(matchPatternList('db2', ['db*', '!db1']), true);
  assert.equal(matchPatternListResult('db1', ['db*', '!db1']), -1);
  assert.equal(matchPatternListResult('db2', ['db*', '!db1']), 1);
  assert.equal(matchPatternListResult('web', ['db*', '!db1']), 0);
});

test('matchPatternList: a list of only negations never matches', () => {
  assert.equal(matchPatternList('web1', ['!db1']), false);
  assert.equal(matchPatternList('db1', ['!db1']), false);
  assert.equal(matchPatternList('x', []), false);
});

test('matchPatternList: case handling follows the flag', () => {
  assert.equal(matchPatternList('DB1', ['db*']), true);
  assert.equal(matchPatternList('DB1', ['db*'], true), false);
  assert.equal(matchPatternList('db1', ['db*', '!DB1']), false);
});

test('splitPatternList and isLiteralPattern', () => {
  assert.deepEqual(splitPatternList('a,!b,*.c'), ['a', '!b', '*.c']);
  assert.equal(isLiteralPattern('host.example'), true);
  assert.equal(isLiteralPattern('[host]:22'), true);
  assert.equal(isLiteralPattern('*.example'), false);
  assert.equal(isLiteralPattern('!host'), false);
  assert.equal(isLiteralPattern('h?st'), false);
});
