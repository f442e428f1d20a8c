import { MAX_DIGITS, paddingOf } from './ranges.js';

// Folding is the inverse of expansion, for display and for rewriting lists. A name is cut
// into its text and its numeric fields; names with the same text around the same number of
// fields share a skeleton, and within one skeleton a group is a product of one value set per
// field. Two groups merge when they differ in one field only. Every merge is found through a
// hash of the other fields, never by comparing groups pairwise, so the work stays near linear
// in the number of names.

/** Names cut the same way: `texts` surround the fields, one more text than fields. */
interface Skeleton {
  texts: readonly string[];
  groups: Group[];
}

interface Group {
  /** The digit strings of each field, each written as in the names (padding kept). */
  fields: string[][];
  /** Each field formatted, the form keys and output use. */
  shown: string[];
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * Names that are never folded: IPv6 addresses (hex digits would fold into nonsense) and
 * anything already holding brackets.
 */
function isOpaque(name: string): boolean {
  return name.includes('[') || name.includes(']') || name.indexOf(':') !== name.lastIndexOf(':');
}

/** Cut a name into texts and digit runs; runs longer than MAX_DIGITS (serials, hashes) are text. */
function cut(name: string): { texts: string[]; fields: string[] } {
  const texts: string[] = [];
  const fields: string[] = [];
  let textStart = 0;
  let i = 0;
  while (i < name.length) {
    if (!isDigit(name.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < name.length && isDigit(name.charCodeAt(j))) j++;
    if (j - i <= MAX_DIGITS) {
      texts.push(name.slice(textStart, i));
      fields.push(name.slice(i, j));
      textStart = j;
    }
    i = j;
  }
  texts.push(name.slice(textStart));
  return { texts, fields };
}

interface Run {
  /** 0 for unpadded numbers, else the padded width. */
  width: number;
  from: number;
  to: number;
}

/**
 * Write one field's values as ClusterShell does: one bracket for all of them, each number
 * keeping its own padding (`[1,03,05]`, `[07-09,010]`). A range holds numbers of one
 * padding; an unpadded number of the padded width may end a padded range (`09-10`), since
 * expansion writes it the same way.
 */
function formatField(digits: readonly string[]): string {
  if (digits.length === 1) return digits[0] ?? '';
  const values = digits
    .map((d) => ({ value: Number(d), width: paddingOf(d), length: d.length }))
    .sort((a, b) => a.value - b.value || a.length - b.length);
  const runs: Run[] = [];
  const last = new Map<number, Run>();
  const continues = (width: number, value: number): boolean => last.get(width)?.to === value - 1;
  for (const { value, width, length } of values) {
    let cls = width;
    if (width === 0 && !continues(0, value) && length > 1 && continues(length, value)) cls = length;
    const run = last.get(cls);
    if (run !== undefined && run.to >= value - 1) {
      run.to = value;
    } else {
      const fresh = { width: cls, from: value, to: value };
      runs.push(fresh);
      last.set(cls, fresh);
    }
  }
  runs.sort((a, b) => a.from - b.from || a.width - b.width);
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  const items = runs.map(({ width, from, to }) => (from === to ? pad(from, width) : `${pad(from, width)}-${pad(to, width)}`));
  return `[${items.join(',')}]`;
}

/** Key of a group with field `j` left out: groups with equal keys differ in field `j` only. */
function keyWithout(group: Group, j: number): string {
  return `${group.shown.slice(0, j).join('\u0001')}\u0002${group.shown.slice(j + 1).join('\u0001')}`;
}

/** Merge the groups that differ in field `j` only; whether any merged. */
function mergeField(skeleton: Skeleton, j: number): boolean {
  const byKey = new Map<string, Group>();
  const kept: Group[] = [];
  const changed = new Set<Group>();
  for (const group of skeleton.groups) {
    const key = keyWithout(group, j);
    const into = byKey.get(key);
    if (into === undefined) {
      byKey.set(key, group);
      kept.push(group);
      continue;
    }
    const target = into.fields[j] as string[];
    for (const d of group.fields[j] as string[]) target.push(d);
    changed.add(into);
  }
  for (const group of changed) group.shown[j] = formatField(group.fields[j] as string[]);
  skeleton.groups = kept;
  return changed.size > 0;
}

/**
 * Fold one skeleton until no two groups differ in one field only, fields taken from the
 * right first as ClusterShell does. A merge at one field can make groups equal elsewhere,
 * so the fields are visited in turn until every one of them has had a pass with no merge.
 */
function foldSkeleton(skeleton: Skeleton): string[] {
  const dims = skeleton.texts.length - 1;
  let settled = 0;
  let j = dims - 1;
  while (settled < dims) {
    // A field just merged is settled: merging never makes two keys without it equal.
    settled = mergeField(skeleton, j) ? 1 : settled + 1;
    j = (j + dims - 1) % dims;
  }
  const { texts } = skeleton;
  return skeleton.groups.map((g) => texts.map((t, i) => (i < dims ? t + (g.shown[i] ?? '') : t)).join(''));
}

/** Sort key: text runs, and numbers (a bracket group counts as its first value). */
function naturalKey(text: string): Array<string | number> {
  const key: Array<string | number> = [];
  let i = 0;
  while (i < text.length) {
    let j = i;
    if (text[i] === '[') {
      j = text.indexOf(']', i) + 1 || text.length;
      key.push(parseInt(text.slice(i + 1), 10) || 0);
    } else if (isDigit(text.charCodeAt(i))) {
      while (j < text.length && isDigit(text.charCodeAt(j))) j++;
      key.push(Number(text.slice(i, j)));
    } else {
      while (j < text.length && text[j] !== '[' && !isDigit(text.charCodeAt(j))) j++;
      key.push(text.slice(i, j));
    }
    i = j;
  }
  return key;
}

/** Natural order (numbers by value, digits before letters), then plain text order: a total order. */
function compareNatural(a: { text: string; key: Array<string | number> }, b: { text: string; key: Array<string | number> }): number {
  const n = Math.min(a.key.length, b.key.length);
  for (let i = 0; i < n; i++) {
    const x = a.key[i] as string | number;
    const y = b.key[i] as string | number;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  if (a.key.length !== b.key.length) return a.key.length - b.key.length;
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

/**
 * Fold names into compact ranges, one string per group, in natural order:
 * `node01,node02,node03,node07` -> `node[01-03,07]`. The result is minimal (no two groups
 * could be written as one) and expands back to exactly the names given, so
 * `10.0.[1-3].[1-50]` folds back to itself and `n1,n03,n05` to `n[1,03,05]`.
 * Names without digits, IPv6 addresses and names holding brackets are kept as they are.
 * Repeats are dropped.
 */
export function foldHostGroups(names: readonly string[]): string[] {
  const out: string[] = [];
  const skeletons = new Map<string, Skeleton>();
  for (const name of new Set(names)) {
    if (isOpaque(name)) {
      out.push(name);
      continue;
    }
    const { texts, fields } = cut(name);
    if (fields.length === 0) {
      out.push(name);
      continue;
    }
    const key = texts.join('\u0000');
    let skeleton = skeletons.get(key);
    if (skeleton === undefined) {
      skeleton = { texts, groups: [] };
      skeletons.set(key, skeleton);
    }
    skeleton.groups.push({ fields: fields.map((d) => [d]), shown: fields });
  }
  for (const skeleton of skeletons.values()) for (const text of foldSkeleton(skeleton)) out.push(text);
  return out
    .map((text) => ({ text, key: naturalKey(text) }))
    .sort(compareNatural)
    .map((entry) => entry.text);
}

/** Fold names into one comma list that splitHostList and expandRanges read back: `db[1-2],web1`. */
export function foldHosts(names: readonly string[]): string {
  return foldHostGroups(names).join(',');
}
