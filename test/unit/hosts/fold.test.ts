import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldHostGroups, foldHosts } from '../../../src/hosts/fold.js';
import { expandRanges, splitHostList } from '../../../src/hosts/ranges.js';

/** Names a folded list stands for, via the same reader a host list uses. */
function expandList(list: string): string[] {
  return splitHostList(list).flatMap(expandRanges);
}

test('foldHosts compacts the last numeric field like ClusterShell', () => {
  assert.equal(foldHosts(expandRanges('127.0.1.[1-20,22]')), '127.0.1.[1-20,22]');
  assert.equal(foldHosts(['node01', 'node02', 'node03', 'node07']), 'node[01-03,07]');
  assert.equal(foldHosts(['web1', 'db1', 'db2']), 'db[1-2],web1');
  assert.equal(foldHosts(['web1']), 'web1');
  assert.equal(foldHosts([]), '');
  assert.equal(foldHosts(['n1', 'n3']), 'n[1,3]');
});

test('mixed padding folds into one bracket, each number keeping its width, as ClusterShell prints it', () => {
  assert.equal(foldHosts(['n1', 'n03', 'n05']), 'n[1,03,05]');
  assert.equal(foldHosts(['foo0', 'foo01', 'foo2', 'foo03']), 'foo[0,01,2,03]');
  assert.equal(foldHosts(['07', '08', '09', '010']), '[07-09,010]');
  assert.equal(foldHosts(['node1', 'node01']), 'node[1,01]');
  assert.equal(foldHosts(['node1', 'node2', 'node01', 'node02']), 'node[1-2,01-02]');
  assert.equal(foldHosts(['n001', 'n002', 'n01']), 'n[01,001-002]');
  // A padded range never ends in a longer number: ClusterShell refuses `01-100`.
  assert.equal(foldHosts(expandRanges('n[01-100]')), 'n[01-99,100]');
  for (const p of ['n[1,03,05]', 'foo[0,01,2,03]', '[07-09,010]', 'x[1-3,01-02,001]y[5,05]']) {
    assert.equal(foldHosts(expandRanges(p)), p, p);
  }
});

test('unpadded numbers of the padded length continue a padded range', () => {
  assert.equal(foldHosts(expandRanges('node[01-20]')), 'node[01-20]');
  assert.equal(foldHosts(['n09', 'n10']), 'n[09-10]');
  // ...unless an unpadded range already leads up to them.
  assert.equal(foldHosts(['n1', 'n2', 'n3', 'n10', 'n02']), 'n[1-3,02,10]');
  assert.equal(foldHosts(['n9', 'n10', 'n09']), 'n[9-10,09]');
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


/** Each folded group cut into its text and the set of values of each field. */
function fieldSets(group: string): { texts: string; sets: string[] } {
  const parts = group.split(/(\[[^\]]*\]|[0-9]+)/);
  const texts: string[] = [];
  const sets: string[] = [];
  parts.forEach((p, i) => {
    if (i % 2 === 0) texts.push(p);
    else sets.push((p.startsWith('[') ? expandRanges(p) : [p]).sort().join(','));
  });
  return { texts: texts.join('\u0000'), sets };
}

/** Two groups that could be written as one bracket expression: same text, one field apart at most. */
function mergeablePair(groups: readonly string[]): [string, string] | undefined {
  const cut = groups.map(fieldSets);
  for (let a = 0; a < cut.length; a++) {
    for (let b = a + 1; b < cut.length; b++) {
      const x = cut[a];
      const y = cut[b];
      if (x === undefined || y === undefined || x.texts !== y.texts) continue;
      if (x.sets.filter((s, i) => s !== y.sets[i]).length <= 1) return [groups[a] ?? '', groups[b] ?? ''];
    }
  }
  return undefined;
}

test('multi-dimensional names fold minimally, mixed padding included', () => {
  const names = ['a0b3', 'a01b01', 'a1b1', 'a2b1', 'a0b0', 'a0b01', 'a0b1', 'a01b3'];
  assert.deepEqual(foldHostGroups(names), ['a0b[0-1,01,3]', 'a01b[01,3]', 'a[1-2]b1']);
  const cube = expandRanges('a[0-1]b[1,01]c[4-5]').concat(['a2b1c4']);
  assert.deepEqual(foldHostGroups(cube), ['a[0-1]b[1,01]c[4-5]', 'a2b1c4']);
  // Fields fold from the right, as ClusterShell does; no two of the groups left could merge.
  assert.deepEqual(foldHostGroups(['a0b1c4', 'a0b01c4', 'a1b1c4', 'a1b01c4', 'a0b1c5']), ['a0b01c4', 'a0b1c[4-5]', 'a1b[1,01]c4']);
});

test('folding round-trips, is minimal and ignores input order (seeded random lists)', () => {
  let seed = 7;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const values = ['0', '1', '2', '3', '01', '02', '03', '9', '09', '10', '010'];
  for (let round = 0; round < 400; round++) {
    const dims = 1 + next(3);
    const unique = new Set<string>();
    for (let k = 1 + next(16); k > 0; k--) {
      let name = '';
      for (let d = 0; d < dims; d++) name += `${'xyz'[d] ?? ''}${values[next(values.length)] ?? ''}`;
      unique.add(name);
    }
    const names = [...unique];
    const groups = foldHostGroups(names);
    const back = groups.flatMap(expandRanges);
    assert.deepEqual(back.sort(), [...names].sort(), names.join(','));
    assert.equal(mergeablePair(groups), undefined, `${names.join(',')} -> ${groups.join(',')}`);
    assert.deepEqual(foldHostGroups([...names].reverse()), groups);
    assert.deepEqual(foldHostGroups(back), groups);
  }
});

/** CPU milliseconds of this process: unlike wall-clock time, not inflated by other processes' load. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Whether folding 4n names costs under 8 times folding n: a linearithmic fold measures about
 * 4-6x, a quadratic one 16x. Each round times both once and the best of each so far is
 * compared, so a garbage collection or a busy machine in one round does not decide; a
 * quadratic fold fails after `rounds` rounds (about a minute at these sizes), a near-linear
 * one passes in the first round or two.
 */
function growsNearLinearly(make: (n: number) => string[], n: number, rounds = 4): { ok: boolean; said: string } {
  const names = make(n);
  const more = make(4 * n);
  foldHosts(names); // warm up the JIT so the first timing is not the slow one
  let small = Infinity;
  let large = Infinity;
  for (let round = 0; round < rounds; round++) {
    let t0 = cpuMs();
    foldHosts(names);
    small = Math.min(small, cpuMs() - t0);
    t0 = cpuMs();
    foldHosts(more);
    large = Math.min(large, cpuMs() - t0);
    if (large / Math.max(small, 0.5) < 8) break;
  }
  return { ok: large / Math.max(small, 0.5) < 8, said: `${small.toFixed(1)} ms for ${n}, ${large.toFixed(1)} ms for ${4 * n}` };
}

// Timing of plain code: mutation testing (LWT_MUTATION) runs instrumented code, where it only costs time.
test('folding time grows near linearly: 4x the names take well under 16x the time', { skip: process.env.LWT_MUTATION === '1' && 'timing of plain code' }, () => {
  const ranged = (n: number): string[] => expandRanges(`node[1-${n}]`);
  // Most names here share no key with another, so a fold comparing groups pairwise is quadratic.
  const scattered = (n: number): string[] =>
    Array.from({ length: n }, (_, i) => `r${i % 7}-c${(i * 7919) % 10007}-n${(i * 31) % 97}.dc${i % 3}.x${i}`);
  for (const [make, n] of [[ranged, 20_000], [scattered, 1_500]] as const) {
    const { ok, said } = growsNearLinearly(make, n);
    assert.ok(ok, `${make.name}: ${said}`);
    assert.equal(expandList(foldHosts(make(4 * n))).length, 4 * n);
  }
  assert.equal(foldHosts(expandRanges('node[00001-10000]')), 'node[00001-10000]');
});

test('names that look alike but are not one pattern stay apart; order by the shorter key first, then by text', () => {
  assert.deepEqual(foldHostGroups(['a[1', 'a[2', 'a]1', 'a]2']), ['a[1', 'a[2', 'a]1', 'a]2']);
  // 15 digits is still a number, 16 is text.
  const n15 = '1'.repeat(14);
  assert.deepEqual(foldHostGroups([`n${n15}1`, `n${n15}2`]), [`n[${n15}1-${n15}2]`]);
  assert.deepEqual(foldHostGroups([`n${n15}11`, `n${n15}12`]), [`n${n15}11`, `n${n15}12`]);
  // The fields around the one left out must not run together: 1|23 and 12|3.
  assert.deepEqual(foldHostGroups(['n1a5b23', 'n12a6b3']), ['n1a5b23', 'n12a6b3']);
  assert.deepEqual(foldHostGroups(['x1a1b23', 'x2a12b3']), ['x1a1b23', 'x2a12b3']);
  // Texts around the digits must not run together either: a|b and ab|.
  assert.deepEqual(foldHostGroups(['a1b', 'ab2']), ['a1b', 'ab2']);
  assert.deepEqual(foldHostGroups(['n1a', 'n1']), ['n1', 'n1a']);
  assert.deepEqual(foldHostGroups(['n01a', 'n1']), ['n1', 'n01a']);
  assert.deepEqual(foldHostGroups(['x[1]', 'x[01]']), ['x[01]', 'x[1]']);
});
