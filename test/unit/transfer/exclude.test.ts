import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExcludes, globToRegex } from '../../../src/transfer/exclude.js';
import { usageError } from '../usage-error.js';

const ex = (...patterns: string[]) => compileExcludes(patterns);

test('a pattern without a slash matches a name at any depth', () => {
  const e = ex('*.log');
  assert.equal(e.matches('app.log', false), true);
  assert.equal(e.matches('var/app.log', false), true);
  assert.equal(e.matches('var/app.log.1', false), false);
  assert.equal(e.matches('log', false), false);
  // * does not cross a slash.
  assert.equal(ex('a*b').matches('a/b', false), false);
  assert.equal(ex('a*b').matches('x/aXb', false), true);
});

test('a leading slash anchors at the top of the source; a slash inside matches the path end', () => {
  assert.equal(ex('/build').matches('build', true), true);
  assert.equal(ex('/build').matches('src/build', true), false);
  assert.equal(ex('src/*.o').matches('src/a.o', false), true);
  assert.equal(ex('src/*.o').matches('lib/src/a.o', false), true);
  assert.equal(ex('src/*.o').matches('lib/xsrc/a.o', false), false);
  assert.equal(ex('/src/*.o').matches('lib/src/a.o', false), false);
});

test('a trailing slash matches folders only', () => {
  const e = ex('cache/');
  assert.equal(e.matches('cache', true), true);
  assert.equal(e.matches('cache', false), false);
  assert.equal(e.matches('a/cache', true), true);
});

test('an excluded folder excludes everything below it', () => {
  const e = ex('node_modules/', '/tmp');
  assert.equal(e.excludes('node_modules/x/y.js', false), true);
  assert.equal(e.excludes('pkg/node_modules/x', false), true);
  assert.equal(e.excludes('tmp/a', false), true);
  assert.equal(e.excludes('src/tmp/a', false), false);
  assert.equal(e.excludes('src/a.js', false), false);
  assert.equal(e.excludes('', true), false);
});

test('** crosses folders, ? is one character, [..] classes, \\ escapes', () => {
  assert.equal(ex('a/**/z').matches('a/z', false), true);
  assert.equal(ex('a/**/z').matches('a/b/c/z', false), true);
  assert.equal(ex('/**.tmp').matches('x/y.tmp', false), true);
  assert.equal(ex('?.c').matches('a.c', false), true);
  assert.equal(ex('?.c').matches('ab.c', false), false);
  assert.equal(ex('[ab].c').matches('b.c', false), true);
  assert.equal(ex('[!ab].c').matches('b.c', false), false);
  assert.equal(ex('[!ab].c').matches('c.c', false), true);
  assert.equal(ex('\\*.c').matches('*.c', false), true);
  assert.equal(ex('\\*.c').matches('a.c', false), false);
  assert.equal(ex('a.c').matches('abc', false), false, 'a dot is literal');
  assert.equal(ex('(x)+').matches('(x)+', false), true, 'regex characters are literal');
  assert.equal(globToRegex('[a'), '\\[a');
});

test('no patterns exclude nothing; an empty pattern is a usage error', () => {
  assert.equal(ex().empty, true);
  assert.equal(ex().excludes('anything', false), false);
  assert.throws(() => ex(''), usageError("--exclude-path '': empty pattern"));
  assert.throws(() => ex('//'), usageError("--exclude-path '//': empty pattern"));
});

test('globToRegex: the regular expression each glob form becomes', () => {
  const cases: Array<[string, string]> = [
    ['a*', 'a[^/]*'],
    ['**', '.*'],
    ['a**b', 'a.*b'],
    ['**/x', '(?:.*/)?x'],
    ['[^a]', '[^a]'],
    ['[!a-c]x', '[^a-c]x'],
    ['[]a]', '[\\]a]'],
    ['[]', '\\[\\]'],
    ['a\\', 'a\\\\'],
    ['a/b', 'a\\/b'],
    ['x.y', 'x\\.y'],
    ['?', '[^/]'],
  ];
  assert.deepEqual(cases.map(([g]) => [g, globToRegex(g)]), cases);
});

test('slashes: repeated trailing and leading ones count once; a bad class is a usage error naming the pattern', () => {
  const e = ex('logs//', '//abs');
  assert.equal(e.matches('logs', true), true);
  assert.equal(e.matches('logs', false), false);
  assert.equal(e.matches('a/logs', true), true);
  assert.equal(e.matches('abs', false), true);
  assert.equal(e.matches('x/abs', false), false);
  assert.equal(e.matches('', true), false, 'the root itself is never excluded');
  assert.equal(e.excludes('', true), false);
  assert.equal(e.empty, false);
  assert.throws(() => ex('[z-a]'), usageError(/^--exclude-path '\[z-a\]': Invalid regular expression: .*Range out of order/));
  assert.equal(ex('a\nb').matches('a\nb', false), true, 'a newline in a name is an ordinary character');
  assert.equal(ex('*').excludes('a/b/c', false), true);
  assert.equal(ex('/a/b').excludes('a/b/c/d', false), true, 'below an excluded folder');
  assert.equal(ex('/a/b').excludes('a/bc', false), false);
});

test("a class negates only by a leading ! or ^; ** crosses names holding a newline; the root itself never matches", () => {
  assert.deepEqual(['a', '^', 'b'].map((n) => ex('[a^]').matches(n, false)), [true, true, false]);
  assert.deepEqual(['a', '^', 'b'].map((n) => ex('[^a]').matches(n, false)), [false, true, true]);
  assert.equal(ex('a/**').matches('a/x\ny', false), true);
  assert.equal(ex('x*').matches('d/x\ny', false), true);
  assert.equal(ex('**').matches('', true), false);
  assert.equal(ex('**').matches('a', true), true);
});
