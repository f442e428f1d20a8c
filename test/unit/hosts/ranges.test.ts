import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../../src/errors.js';
import { usageError } from '../usage-error.js';
import { MAX_EXPANSION, expandRanges, foldHostGroups, foldHosts, splitHostList } from '../../../src/hosts/ranges.js';


/** Names a folded list stands for, via the same reader a host list uses. */
function expandList(list: string): string[] {
  return splitHostList(list).flatMap(expandRanges);
}

test('a name without brackets expands to itself', () => {
  assert.deepEqual(expandRanges('web1.example.com'), ['web1.example.com']);
});

test('zero padding of the start is kept', () => {
  assert.deepEqual(expandRanges('node[01-03]'), ['node01', 'node02', 'node03']);
  assert.deepEqual(expandRanges('n[008-010]'), ['n008', 'n009', 'n010']);
  assert.deepEqual(expandRanges('n[01-3]'), ['n01', 'n02', 'n03']);
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
  const cases: Array<[string, string]> = [
    ['node[', "bad range 'node[': '[' without ']'"],
    ['node]', "bad range 'node]': ']' without '['"],
    ['node[1-2]]', "bad range 'node[1-2]]': ']' without '['"],
    ['a[1[2]]', "bad range 'a[1[2]]': nested '['"],
    ['node[]', "bad range 'node[]': empty brackets"],
    ['node[a-b]', "bad range 'node[a-b]': 'a-b' is not a number or a range"],
    ['node[1-]', "bad range 'node[1-]': '1-' is not a number or a range"],
    ['node[-3]', "bad range 'node[-3]': '-3' is not a number or a range"],
    ['node[1 -3]', "bad range 'node[1 -3]': '1 -3' is not a number or a range"],
    ['node[1,,2]', "bad range 'node[1,,2]': empty item between commas"],
    ['node[5-2]', "bad range 'node[5-2]': start after end"],
    ['n[01-003]', "bad range 'n[01-003]': padding of '01' and '003' differs"],
    ['n[1-010]', "bad range 'n[1-010]': padding of '1' and '010' differs"],
    ['n[1234567890123456]', "bad range 'n[1234567890123456]': number longer than 15 digits"],
    ['', 'empty host name'],
  ];
  for (const [pattern, message] of cases) assert.throws(() => expandRanges(pattern), usageError(message), pattern);
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
  assert.deepEqual(splitHostList(' a , b ,'), ['a', 'b']);
  assert.deepEqual(splitHostList('a,,b'), ['a', 'b']);
  assert.deepEqual(splitHostList(''), []);
  assert.deepEqual(splitHostList('root@node[1-2]:22,[::1]:22'), ['root@node[1-2]:22', '[::1]:22']);
  // An unclosed bracket keeps the rest together, so expansion reports the real culprit.
  assert.deepEqual(splitHostList('a,n[1-2,b'), ['a', 'n[1-2,b']);
});

test('foldHosts compacts the last numeric field like ClusterShell', () => {
  assert.equal(foldHosts(expandRanges('127.0.1.[1-20,22]')), '127.0.1.[1-20,22]');
  assert.equal(foldHosts(['node01', 'node02', 'node03', 'node07']), 'node[01-03,07]');
  assert.equal(foldHosts(['web1', 'db1', 'db2']), 'db[1-2],web1');
  assert.equal(foldHosts(['web1']), 'web1');
  assert.equal(foldHosts([]), '');
  assert.equal(foldHosts(['n1', 'n3']), 'n[1,3]');
});

test('different padding widths do not merge', () => {
  assert.equal(foldHosts(['node1', 'node01']), 'node01,node1');
  assert.equal(foldHosts(['node1', 'node2', 'node01', 'node02']), 'node[01-02],node[1-2]');
  assert.equal(foldHosts(['n001', 'n002', 'n01']), 'n01,n[001-002]');
});

test('unpadded numbers of the padded length join the padded group', () => {
  assert.equal(foldHosts(expandRanges('node[01-20]')), 'node[01-20]');
  assert.equal(foldHosts(['n09', 'n10']), 'n[09-10]');
  // ...unless shorter unpadded numbers show the sequence is unpadded.
  assert.equal(foldHosts(['n1', 'n2', 'n3', 'n10', 'n02']), 'n[1-3,10],n02');
});

test('names without digits, IPv6 addresses and long digit runs stay as they are', () => {
  assert.equal(foldHosts(['beta', 'alpha', 'alpha']), 'alpha,beta');
  assert.equal(foldHosts(['fe80::1', 'fe80::2']), 'fe80::1,fe80::2');
  assert.equal(foldHosts(['s1234567890123456a', 's1234567890123457a']), 's1234567890123456a,s1234567890123457a');
});

test('earlier numeric fields fold too, so products round-trip', () => {
  assert.equal(foldHosts(expandRanges('10.0.[1-3].[1-50]')), '10.0.[1-3].[1-50]');
  assert.equal(foldHosts(expandRanges('rack[1-2]-node[1-3]')), 'rack[1-2]-node[1-3]');
  assert.equal(foldHosts(['root@node1:22', 'root@node2:22']), 'root@node[1-2]:22');
  // Not a full product: only the part that is one folds.
  assert.deepEqual(foldHostGroups(['a1b1', 'a1b2', 'a2b1']), ['a1b[1-2]', 'a2b1']);
});

test('fold then expand gives back the same set, and folding is idempotent', () => {
  const patterns = [
    'node[01-20]',
    'node[8-10]',
    'n[008-010]',
    'node[01-03,07]',
    '127.0.1.[1-20,22]',
    '10.0.[1-3].[1-50]',
    'rack[1-2]-node[001-004]-ib[0-1]',
    'web[1-3].example.com',
  ];
  for (const p of patterns) assert.equal(foldHosts(expandRanges(p)), p, p);

  const messy = ['n1', 'n02', 'n10', 'x9y', 'x10y', 'x09y', 'db', 'n3', 'a1.b2', 'a2.b2', 'a2.b3', 'n001', 'fe80::1', 'n100'];
  const folded = foldHosts(messy);
  assert.deepEqual(new Set(expandList(folded)), new Set(messy));
  assert.equal(expandList(folded).length, messy.length);
  assert.equal(foldHosts(expandList(folded)), folded);
});

test('output order is natural and independent of input order', () => {
  assert.equal(foldHosts(['web10', 'web9-old']), 'web9-old,web10');
  assert.equal(foldHosts(['b2', 'a10x', 'a9y']), 'a9y,a10x,b2');
  // Numbers sort before text, as digits do in ASCII.
  assert.equal(foldHosts(['web1', '10.0.0.2', 'db', '9.0.0.1']), '9.0.0.1,10.0.0.2,db,web1');
  const names = expandRanges('r[1-3]-n[1-5]').concat(['z', 'a', 'm7']);
  const reversed = [...names].reverse();
  const shuffled = names
    .map((n, i) => [(i * 7919) % 101, n] as const)
    .sort((x, y) => x[0] - y[0])
    .map(([, n]) => n);
  assert.equal(foldHosts(reversed), foldHosts(names));
  assert.equal(foldHosts(shuffled), foldHosts(names));
  assert.equal(foldHosts(names), 'a,m7,r[1-3]-n[1-5],z');
});

test('folding 10,000 names is fast', () => {
  const ranged = expandRanges('node[00001-10000]');
  const scattered = Array.from(
    { length: 10_000 },
    (_, i) => `r${i % 7}-c${(i * 7919) % 10007}-n${(i * 31) % 97}.dc${i % 3}.x${i}`,
  );
  for (const names of [ranged, scattered]) {
    const t0 = performance.now();
    const folded = foldHosts(names);
    const ms = performance.now() - t0;
    // Generous for loaded machines; a quadratic fold takes seconds here.
    assert.ok(ms < 5000, `fold of 10,000 names took ${ms.toFixed(0)} ms`);
    assert.equal(expandList(folded).length, 10_000);
  }
  assert.equal(foldHosts(ranged), 'node[00001-10000]');
});
