import { UsageError } from '../errors.js';
import { quoteForMessage } from './quote.js';

/** Most names one pattern (or one host list) may expand to: a typo like `[1-99999999]` must fail, not eat memory. */
export const MAX_EXPANSION = 1_000_000;

/** Longest digit run treated as a number; longer runs (serials, hashes) would lose precision. */
const MAX_DIGITS = 15;

/** Values of one bracket group, already formatted with their padding. */
type Segment = string | string[];

function badRange(pattern: string, reason: string): UsageError {
  return new UsageError(`bad range ${quoteForMessage(pattern)}: ${reason}`);
}

/** A number's padding width: `007` is padded to 3, `7` and `0` are not padded (0). */
function paddingOf(digits: string): number {
  return digits.length > 1 && digits.startsWith('0') ? digits.length : 0;
}

/**
 * Values of one group such as `01-03,07`, padded the way the start of each range is written
 * (pdsh and ClusterShell do the same): `01-03` gives 01,02,03; `8-10` gives 8,9,10.
 */
function groupValues(pattern: string, body: string): string[] {
  if (body === '') throw badRange(pattern, 'empty brackets');
  const ranges: Array<{ from: number; to: number; width: number }> = [];
  let count = 0;
  for (const item of body.split(',')) {
    const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(item);
    if (m === null) {
      throw badRange(pattern, item === '' ? 'empty item between commas' : `${quoteForMessage(item)} is not a number or a range`);
    }
    const start = m[1] ?? '';
    const end = m[2] ?? start;
    if (start.length > MAX_DIGITS || end.length > MAX_DIGITS) throw badRange(pattern, `number longer than ${MAX_DIGITS} digits`);
    const width = paddingOf(start);
    if (paddingOf(end) !== 0 && paddingOf(end) !== width) {
      throw badRange(pattern, `padding of ${quoteForMessage(start)} and ${quoteForMessage(end)} differs`);
    }
    const from = Number(start);
    const to = Number(end);
    if (from > to) throw badRange(pattern, 'start after end');
    count += to - from + 1;
    if (count > MAX_EXPANSION) throw badRange(pattern, `expands to more than ${MAX_EXPANSION} names`);
    ranges.push({ from, to, width });
  }
  const values: string[] = [];
  for (const { from, to, width } of ranges) {
    for (let n = from; n <= to; n++) values.push(width === 0 ? String(n) : String(n).padStart(width, '0'));
  }
  // Equal strings need equal numbers, so only overlapping ranges can repeat a value;
  // hashing every value of a large range just to find none is what made this slow.
  return rangesOverlap(ranges) ? [...new Set(values)] : values;
}

function rangesOverlap(ranges: ReadonlyArray<{ from: number; to: number }>): boolean {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  return sorted.some((r, i) => i > 0 && r.from <= (sorted[i - 1]?.to ?? -1));
}

/** Cut a pattern into literal text and bracket groups. */
function segmentsOf(pattern: string): Segment[] {
  const segments: Segment[] = [];
  let i = 0;
  while (i < pattern.length) {
    const open = pattern.indexOf('[', i);
    const stray = pattern.indexOf(']', i);
    if (stray >= 0 && (open < 0 || stray < open)) throw badRange(pattern, "']' without '['");
    if (open < 0) {
      segments.push(pattern.slice(i));
      break;
    }
    if (open > i) segments.push(pattern.slice(i, open));
    const close = pattern.indexOf(']', open);
    if (close < 0) throw badRange(pattern, "'[' without ']'");
    const nested = pattern.indexOf('[', open + 1);
    if (nested >= 0 && nested < close) throw badRange(pattern, "nested '['");
    segments.push(groupValues(pattern, pattern.slice(open + 1, close)));
    i = close + 1;
  }
  return segments;
}

/**
 * Expand `node[01-20,25]`-style ranges into names. Several groups give their cartesian
 * product, leftmost group varying slowest (`[1-2].[1-2]`: 1.1, 1.2, 2.1, 2.2), the order
 * an operator reads. Duplicates are dropped, first occurrence kept.
 */
export function expandRanges(pattern: string): string[] {
  if (pattern === '') throw new UsageError('empty host name');
  const segments = segmentsOf(pattern);
  let total = 1;
  for (const seg of segments) {
    if (typeof seg !== 'string') total *= seg.length;
  }
  if (total > MAX_EXPANSION) throw badRange(pattern, `expands to more than ${MAX_EXPANSION} names`);

  let names = [''];
  for (const seg of segments) {
    if (typeof seg === 'string') {
      names = names.map((n) => n + seg);
    } else {
      const next: string[] = [];
      for (const n of names) for (const v of seg) next.push(n + v);
      names = next;
    }
  }
  return mayRepeat(segments) ? [...new Set(names)] : names;
}

/**
 * Whether different groups' values can spell the same name: only when two groups are
 * separated by nothing or by digits alone (`[1,11][1,11]`: 1+11 = 11+1). A non-digit
 * between them fixes where each number ends.
 */
function mayRepeat(segments: readonly Segment[]): boolean {
  let betweenGroups: string | undefined;
  for (const seg of segments) {
    if (typeof seg === 'string') {
      if (betweenGroups !== undefined) betweenGroups += seg;
    } else {
      if (betweenGroups !== undefined && /^[0-9]*$/.test(betweenGroups)) return true;
      betweenGroups = '';
    }
  }
  return false;
}

/**
 * Split a pdsh/clush-style comma list, keeping commas inside brackets:
 * `a,node[1-3,7],b` gives `a`, `node[1-3,7]`, `b`. Items are trimmed; empty items are skipped.
 * An unclosed '[' swallows the rest of the list, and expansion then reports that item.
 */
export function splitHostList(list: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= list.length; i++) {
    const c = list[i];
    if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === undefined || (c === ',' && depth === 0)) {
      const item = list.slice(start, i).trim();
      if (item !== '') items.push(item);
      start = i + 1;
    }
  }
  return items;
}

// ---- Folding: the inverse of expansion, for display and for rewriting lists ----
//
// Folding works on the name strings themselves. Each pass folds one numeric field, from
// the right: names equal but for that field merge into one string holding a bracket group.
// `end` marks where the already folded tail starts, so the next pass looks further left.
// Working on strings keeps allocation to about one key per name and pass, which is what
// keeps 10,000 names fast.

interface Pending {
  text: string;
  /** Everything from here on is folded; the next field to fold lies before it. */
  end: number;
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

/** The last foldable digit run ending at or before `end`, as [start, stop); longer runs count as text. */
function lastNumber(text: string, end: number): [number, number] | undefined {
  let stop = end;
  while (stop > 0) {
    while (stop > 0 && !isDigit(text.charCodeAt(stop - 1))) stop--;
    if (stop === 0) return undefined;
    let start = stop - 1;
    while (start > 0 && isDigit(text.charCodeAt(start - 1))) start--;
    if (stop - start <= MAX_DIGITS) return [start, stop];
    stop = start;
  }
  return undefined;
}

/** `1,2,3,7` -> `1-3,7`, padded; several values are bracketed. */
function formatField(values: readonly number[], width: number): string {
  const out: string[] = [];
  const pad = (n: number): string => String(n).padStart(width, '0');
  let i = 0;
  while (i < values.length) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === (values[j] ?? 0) + 1) j++;
    const from = pad(values[i] ?? 0);
    out.push(j === i ? from : `${from}-${pad(values[j] ?? 0)}`);
    i = j + 1;
  }
  return values.length === 1 ? out.join(',') : `[${out.join(',')}]`;
}

interface Member {
  text: string;
  start: number;
  stop: number;
}

/**
 * Merge names equal everywhere but at one digit run. A value written unpadded joins a
 * padded group of its own length (`10` with `01`..`09` gives `[01-10]`) unless shorter
 * unpadded values exist (`1`..`3` with `10` give `[1-3,10]`). Otherwise padded and
 * unpadded, or different widths, stay apart: `node1` and `node01` are different names.
 */
function mergeGroup(members: readonly Member[]): Pending[] {
  const fields = members.map(({ text, start, stop }) => {
    const digits = text.slice(start, stop);
    return { value: Number(digits), width: paddingOf(digits), length: digits.length };
  });
  const padded = new Set<number>();
  let shortestUnpadded = Infinity;
  for (const f of fields) {
    if (f.width > 0) padded.add(f.width);
    else shortestUnpadded = Math.min(shortestUnpadded, f.length);
  }
  const byWidth = new Map<number, number[]>();
  for (const f of fields) {
    const joins = f.width === 0 && padded.has(f.length) && shortestUnpadded >= f.length;
    const width = joins ? f.length : f.width;
    const values = byWidth.get(width);
    if (values === undefined) byWidth.set(width, [f.value]);
    else values.push(f.value);
  }
  const { text, start, stop } = members[0] as Member;
  const prefix = text.slice(0, start);
  const rest = text.slice(stop);
  const merged: Pending[] = [];
  for (const [width, values] of byWidth) {
    values.sort((a, b) => a - b);
    merged.push({ text: prefix + formatField(values, width) + rest, end: start });
  }
  return merged;
}

/** Fold the next field of every pending name; names with no field left go to `done`. */
function foldPass(items: readonly Pending[], done: string[]): Pending[] {
  const groups = new Map<string, Member[]>();
  for (const { text, end } of items) {
    const run = lastNumber(text, end);
    if (run === undefined) {
      done.push(text);
      continue;
    }
    const [start, stop] = run;
    const key = `${text.slice(0, start)}\u0000${text.slice(stop)}`;
    const member = { text, start, stop };
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [member]);
    else group.push(member);
  }
  const next: Pending[] = [];
  for (const members of groups.values()) {
    if (members.length === 1) {
      const only = members[0] as Member;
      next.push({ text: only.text, end: only.start });
    } else {
      next.push(...mergeGroup(members));
    }
  }
  return next;
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
 * `node01,node02,node03,node07` -> `node[01-03,07]`. Names equal but for their last numeric
 * field fold first; then earlier fields fold where everything else is equal, as ClusterShell
 * does, so the names of `10.0.[1-3].[1-50]` fold back to it. Names without digits,
 * IPv6 addresses and names holding brackets are kept as they are. Repeats are dropped.
 */
export function foldHostGroups(names: readonly string[]): string[] {
  const done: string[] = [];
  let pending: Pending[] = [];
  for (const name of new Set(names)) {
    if (isOpaque(name)) done.push(name);
    else pending.push({ text: name, end: name.length });
  }
  while (pending.length > 0) pending = foldPass(pending, done);
  return done
    .map((text) => ({ text, key: naturalKey(text) }))
    .sort(compareNatural)
    .map((entry) => entry.text);
}

/** Fold names into one comma list that splitHostList and expandRanges read back: `db[1-2],web1`. */
export function foldHosts(names: readonly string[]): string {
  return foldHostGroups(names).join(',');
}
