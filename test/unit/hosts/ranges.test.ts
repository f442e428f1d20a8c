import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../../src/errors.js';
import { usageError } from '../usage-error.js';
import { MAX_EXPANSION, expandRanges, splitHostList, splitOutsideBrackets } from '../../../src/hosts/ranges.js';

/** Each pattern must be refused with exactly its message. */
function refuses(cases: ReadonlyArray<readonly [string, string]>, parse: (text: string) => unknown = expandRanges): void {
  for (const [text, message] of cases) assert.throws(() => parse(text), usageError(message), text);
}

test('a name without brackets expands to itself', () => {
  assert.deepEqual(expandRanges('web1.example.com'), ['web1.example.com']);
});

test('zero padding of the start is kept', () => {
  assert.deepEqual(expandRanges('node[01-03]'), ['node01', 'node02', 'node03']);
  assert.deepEqual(expandRanges('n[008-010]'), ['n008', 'n009', 'n010']);
  assert.deepEqual(expandRanges('n[00-01]'), ['n00', 'n01']);
});

test('unpadded ranges grow in width naturally', () => {
  assert.deepEqual(expandRanges('[8-10]'), ['8', '9', '10']);
  assert.deepEqual(expandRanges('n[0-2]'), ['n0', 'n1', 'n2']);
  assert.deepEqual(expandRanges('n[98-100]'), ['n98', 'n99', 'n100']);
});

test('a padded range running past its width keeps the longer numbers whole', () => {
  assert.deepEqual(expandRanges('n[098-100]'), ['n098', 'n099', 'n100']);
  assert.deepEqual(expandRanges('n[01-100]').slice(-2), ['n99', 'n100']);
});

test('lists inside brackets mix ranges and single values, in written order', () => {
  const names = expandRanges('node[01-20,25]');
  assert.equal(names.length, 21);
  assert.equal(names[0], 'node01');
  assert.equal(names[19], 'node20');
  assert.equal(names[20], 'node25');
  assert.deepEqual(expandRanges('n[7,3,5]'), ['n7', 'n3', 'n5']);
  assert.deepEqual(expandRanges('n[5]'), ['n5']);
  assert.deepEqual(expandRanges('n[05]'), ['n05']);
});

test('repeated values are dropped, first kept', () => {
  assert.deepEqual(expandRanges('n[1-3,2,1]'), ['n1', 'n2', 'n3']);
  // Different groups can spell the same name: 1+11 and 11+1.
  assert.deepEqual(expandRanges('[1,11][1,11]'), ['11', '111', '1111']);
  assert.deepEqual(expandRanges('[1,10]0[01,1]'), ['1001', '101', '10001']);
  assert.deepEqual(expandRanges('n[01-02,1-2,2]'), ['n01', 'n02', 'n1', 'n2']);
  assert.deepEqual(expandRanges('n[9-10,10]'), ['n9', 'n10']);
});

test('several groups give the cartesian product, leftmost slowest', () => {
  assert.deepEqual(expandRanges('10.0.[1-2].[1-3]'), [
    '10.0.1.1',
    '10.0.1.2',
    '10.0.1.3',
    '10.0.2.1',
    '10.0.2.2',
    '10.0.2.3',
  ]);
  assert.deepEqual(expandRanges('rack[1-2]-node[01-02]-ib'), [
    'rack1-node01-ib',
    'rack1-node02-ib',
    'rack2-node01-ib',
    'rack2-node02-ib',
  ]);
  assert.equal(expandRanges('10.0.[1-3].[1-50]').length, 150);
});

test('malformed patterns are UsageErrors naming the pattern', () => {
  refuses([
    ['node[', "bad range 'node[': '[' without ']'"],
    ['node]', "bad range 'node]': ']' without '['"],
    ['node[1-2]]', "bad range 'node[1-2]]': ']' without '['"],
    ['a[1[2]]', "bad range 'a[1[2]]': nested '['"],
    ['node[]', "bad range 'node[]': empty brackets"],
    ['node[a-b]', "bad range 'node[a-b]': 'a-b' is not a number or a range"],
    ['node[1-]', "bad range 'node[1-]': '1-' is not a number or a range"],
    ['node[1 2]', "bad range 'node[1 2]': '1 2' is not a number or a range"],
    ['node[1,,2]', "bad range 'node[1,,2]': empty item between ','s"],
    ['node[5-2]', "bad range 'node[5-2]': start after end"],
    ['n[01-003]', "bad range 'n[01-003]': padding of '01' and '003' differs"],
    ['n[1-010]', "bad range 'n[1-010]': padding of '1' and '010' differs"],
    ['n[1234567890123456]', "bad range 'n[1234567890123456]': number longer than 15 digits"],
    ['', 'empty host name'],
  ]);
});

test('the expansion cap stops typos before they allocate', () => {
  assert.equal(MAX_EXPANSION, 1_000_000);
  assert.throws(() => expandRanges('n[1-2000000]'), usageError("bad range 'n[1-2000000]': expands to more than 1000000 names"));
  assert.throws(
    () => expandRanges('n[1-1000]-[0-1000]'),
    usageError("bad range 'n[1-1000]-[0-1000]': expands to more than 1000000 names"),
  );
  assert.throws(() => expandRanges('n[1-999999999999999]'), usageError(/expands to more than 1000000 names$/));
  assert.throws(() => expandRanges('n[1-600000,1-600000]'), usageError(/expands to more than 1000000 names$/));
  assert.equal(expandRanges('n[1-1000]-[1-1000]').length, MAX_EXPANSION);
});

test('error messages stay on one line and are cut short', () => {
  assert.throws(() => expandRanges('bad\nname['), usageError("bad range 'bad\\x0aname[': '[' without ']'"));
  const long = `${'x'.repeat(500)}[`;
  assert.throws(() => expandRanges(long), (err: unknown) => err instanceof UsageError && err.message.length < 200);
});

test('splitHostList keeps commas inside brackets', () => {
  assert.deepEqual(splitHostList('a,node[1-3,7],b'), ['a', 'node[1-3,7]', 'b']);
  assert.deepEqual(splitHostList('10.0.[1-2].[1,3],x'), ['10.0.[1-2].[1,3]', 'x']);
  assert.deepEqual(splitHostList(' a , b '), ['a', 'b']);
  assert.deepEqual(splitHostList(''), []);
  assert.deepEqual(splitHostList('  '), []);
  assert.deepEqual(splitHostList('root@node[1-2]:22,[::1]:22'), ['root@node[1-2]:22', '[::1]:22']);
  // An unclosed bracket keeps the rest together, so expansion reports the real culprit.
  assert.deepEqual(splitHostList('a,n[1-2,b'), ['a', 'n[1-2,b']);
});

test('step syntax a-b/N, as ClusterShell reads it, mixed with lists and padding', () => {
  const even = expandRanges('node[10-98/2]');
  assert.equal(even.length, 45);
  assert.deepEqual([even[0], even[1], even[44]], ['node10', 'node12', 'node98']);
  // The end need not fall on a step.
  assert.deepEqual(expandRanges('n[1-10/4]'), ['n1', 'n5', 'n9']);
  assert.deepEqual(expandRanges('n[001-009/3,011]'), ['n001', 'n004', 'n007', 'n011']);
  assert.deepEqual(expandRanges('n[1-3/1]'), ['n1', 'n2', 'n3']);
  assert.deepEqual(expandRanges('n[0-4/2,1-5/2]'), ['n0', 'n2', 'n4', 'n1', 'n3', 'n5']);
  assert.deepEqual(expandRanges('r[1-3/2]-n[08-12/2]'), ['r1-n08', 'r1-n10', 'r1-n12', 'r3-n08', 'r3-n10', 'r3-n12']);
  assert.deepEqual(expandRanges('n[1-9/2,3-5]'), ['n1', 'n3', 'n5', 'n7', 'n9', 'n4']);
});

test('bad steps are refused naming the item', () => {
  refuses([
    ['n[1-9/0]', "bad range 'n[1-9/0]': '1-9/0': step must be 1 or more"],
    ['n[3/2]', "bad range 'n[3/2]': '3/2': a step needs a range, as in 1-9/2"],
    ['n[1-9/]', "bad range 'n[1-9/]': '1-9/' is not a number or a range"],
    ['n[1-9/a]', "bad range 'n[1-9/a]': '1-9/a' is not a number or a range"],
    ['n[1-9/2/2]', "bad range 'n[1-9/2/2]': '1-9/2/2' is not a number or a range"],
  ]);
  // The cap counts stepped values, not the span.
  assert.equal(expandRanges('n[1-1999999/2]').length, MAX_EXPANSION);
  assert.throws(() => expandRanges('n[1-2000001/2]'), usageError(/expands to more than 1000000 names$/));
});

test('whitespace inside brackets is ignored, as ClusterShell does', () => {
  assert.deepEqual(expandRanges('n[ 1, 5 - 7 ]'), ['n1', 'n5', 'n6', 'n7']);
  assert.deepEqual(expandRanges('n[1 -3]'), ['n1', 'n2', 'n3']);
  assert.deepEqual(expandRanges('n[ 01 - 05 / 2 ]'), ['n01', 'n03', 'n05']);
  assert.deepEqual(expandRanges('n[\t2\t]'), ['n2']);
  assert.throws(() => expandRanges('n[ ]'), usageError("bad range 'n[ ]': empty brackets"));
});

test('negative numbers are refused, as pdsh does', () => {
  refuses([
    ['node[-3]', "bad range 'node[-3]': '-3': negative numbers are not allowed"],
    ['node[-3-2]', "bad range 'node[-3-2]': '-3-2': negative numbers are not allowed"],
    ['node[-8--4]', "bad range 'node[-8--4]': '-8--4': negative numbers are not allowed"],
    ['node[1--3]', "bad range 'node[1--3]': '1--3': negative numbers are not allowed"],
    ['node[1, - 3]', "bad range 'node[1, - 3]': '- 3': negative numbers are not allowed"],
  ]);
  // A '-' outside the brackets is plain text.
  assert.deepEqual(expandRanges('node-[3]'), ['node-3']);
});

test('empty list items are refused, inside brackets and in host lists', () => {
  refuses([
    ['n[1,]', "bad range 'n[1,]': empty item after the last ','"],
    ['n[,1]', "bad range 'n[,1]': empty item before the first ','"],
    ['n[,]', "bad range 'n[,]': empty item before the first ','"],
    ['n[1, ,2]', "bad range 'n[1, ,2]': empty item between ','s"],
  ]);
  refuses(
    [
      ['a,,b', "bad host list 'a,,b': empty item between ','s"],
      ['a,', "bad host list 'a,': empty item after the last ','"],
      [',', "bad host list ',': empty item before the first ','"],
      [',a', "bad host list ',a': empty item before the first ','"],
      ['a, ,n[1,2]', "bad host list 'a, ,n[1,2]': empty item between ','s"],
    ],
    splitHostList,
  );
});

test('a range whose bounds are written with different padding is refused', () => {
  refuses([
    ['n[001-44]', "bad range 'n[001-44]': padding of '001' and '44' differs"],
    ['n[01-3]', "bad range 'n[01-3]': padding of '01' and '3' differs"],
    ['n[1-05]', "bad range 'n[1-05]': padding of '1' and '05' differs"],
    ['n[0-00]', "bad range 'n[0-00]': padding of '0' and '00' differs"],
    ['n[5,001-44]', "bad range 'n[5,001-44]': padding of '001' and '44' differs"],
  ]);
  // Bounds of one length agree whatever their zeros; a padded range may run past its width.
  assert.deepEqual(expandRanges('n[09-10]'), ['n09', 'n10']);
  assert.deepEqual(expandRanges('n[0-10]').length, 11);
  assert.deepEqual(expandRanges('n[099-100]'), ['n099', 'n100']);
  assert.deepEqual(expandRanges('n[98-100]'), ['n98', 'n99', 'n100']);
});

test('every refusal says what is wrong with which item', () => {
  const refusals: Array<[string, string]> = [
    ['n[-3]', "'-3': negative numbers are not allowed"],
    ['n[1--3]', "'1--3': negative numbers are not allowed"],
    ['n[3/2]', "'3/2': a step needs a range, as in 1-9/2"],
    ['n[ 3 / 2 ]', "'3 / 2': a step needs a range, as in 1-9/2"],
    ['n[a]', "'a' is not a number or a range"],
    ['n[1-3/0]', "'1-3/0': step must be 1 or more"],
    ['n[01-3]', "padding of '01' and '3' differs"],
    ['n[3-1]', 'start after end'],
    ['n[]', 'empty brackets'],
    ['n[1,]', "empty item after the last ','"],
    ['n[,1]', "empty item before the first ','"],
    ['n[1,,2]', "empty item between ','s"],
    ['n[0000000000000001]', 'number longer than 15 digits'],
    ['n[1-1000001]', 'expands to more than 1000000 names'],
    [']n', "']' without '['"],
    ['n]', "']' without '['"],
    ['n[1]]', "']' without '['"],
    ['n[1', "'[' without ']'"],
    ['n[[1]]', "nested '['"],
    // Negative only when the whole item is numbers and dashes with a leading or doubled '-'.
    ['n[-12]', "'-12': negative numbers are not allowed"],
    ['n[1--23]', "'1--23': negative numbers are not allowed"],
    ['n[-1-3/2]', "'-1-3/2': negative numbers are not allowed"],
    ['n[-1-3/10]', "'-1-3/10': negative numbers are not allowed"],
    ['n[x1--3]', "'x1--3' is not a number or a range"],
    ['n[-3x]', "'-3x' is not a number or a range"],
    ['n[1 2-3]', "'1 2-3' is not a number or a range"],
    ['n[12/2]', "'12/2': a step needs a range, as in 1-9/2"],
    ['n[3/12]', "'3/12': a step needs a range, as in 1-9/2"],
    ['n[3/2x]', "'3/2x' is not a number or a range"],
    // The item is named without the spaces around it.
    ['n[ 1-9/0 ]', "'1-9/0': step must be 1 or more"],
    // A ']' before the first '[' is stray even when a group follows.
    ['a]b[1-2]', "']' without '['"],
  ];
  for (const [pattern, why] of refusals) assert.throws(() => expandRanges(pattern), usageError(`bad range '${pattern}': ${why}`), pattern);
});

test('repeats: overlapping items and groups that can spell one name twice are kept once, first first', () => {
  assert.deepEqual(expandRanges('n[1-3,2-4]'), ['n1', 'n2', 'n3', 'n4']);
  assert.deepEqual(expandRanges('n[3,1-3]'), ['n3', 'n1', 'n2']);
  assert.deepEqual(expandRanges('n[5,1-3]'), ['n5', 'n1', 'n2', 'n3'], 'items keep the order written');
  assert.deepEqual(expandRanges('[1,11][1,11]'), ['11', '111', '1111'], '1+11 and 11+1 are one name');
  assert.deepEqual(expandRanges('[1,11]-[1,11]'), ['1-1', '1-11', '11-1', '11-11']);
  assert.deepEqual(expandRanges('n[1-2]x[3-4]'), ['n1x3', 'n1x4', 'n2x3', 'n2x4']);
});

test('splitting a list: commas inside brackets stay, a stray ] does not go below depth 0', () => {
  assert.deepEqual(splitOutsideBrackets('a[1,2]],b,c[3'), ['a[1,2]]', 'b', 'c[3']);
  assert.deepEqual(splitOutsideBrackets('a],b'), ['a]', 'b']);
  assert.deepEqual(splitOutsideBrackets(''), ['']);
  assert.deepEqual(splitHostList(' a , b[1,2] '), ['a', 'b[1,2]']);
  assert.deepEqual(splitHostList('   '), []);
  assert.throws(() => splitHostList(','), usageError("bad host list ',': empty item before the first ','"));
  assert.throws(() => splitHostList('a'.repeat(200) + ',,b'), usageError(/^bad host list 'a{120}\.\.\.': empty item between ','s$/));
});

test('steps of several digits', () => {
  assert.deepEqual(expandRanges('n[1-30/10]'), ['n1', 'n11', 'n21']);
});

test('the cap counts the values written, before repeats are dropped, and the literal text does not count', () => {
  // 1,000,001 values written, 500,001 names: refused before the values are made.
  assert.throws(() => expandRanges('n[1-500001,1-500000]'), usageError("bad range 'n[1-500001,1-500000]': expands to more than 1000000 names"));
  assert.equal(expandRanges('n[1-500000,1-500000]').length, 500_000);
  // 250 letters × 5000 values would pass the cap if letters counted.
  const prefix = 'a'.repeat(250);
  const names = expandRanges(`${prefix}[1-5000]`);
  assert.equal(names.length, 5000);
  assert.equal(names[4999], `${prefix}5000`);
});

test('digits alone between two groups can spell one name twice: kept once', () => {
  // 1·1·11 and 11·1·1 both spell 1111.
  assert.deepEqual(expandRanges('n[1,11]1[1,11]'), ['n111', 'n1111', 'n11111']);
});

test('a comma after an inner bracket of an unclosed outer one stays in the item', () => {
  assert.deepEqual(splitHostList('n[[1],2'), ['n[[1],2']);
  assert.deepEqual(splitOutsideBrackets('a[[1],2],b'), ['a[[1],2]', 'b']);
});
