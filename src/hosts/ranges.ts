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
  const values = new Set<string>();
  for (const { from, to, width } of ranges) {
    for (let n = from; n <= to; n++) values.add(String(n).padStart(width, '0'));
  }
  return [...values];
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
  return [...new Set(names)];
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

/** A numeric field of a name: its values (sorted, distinct) and padding width (0: none). */
interface NumField {
  values: number[];
  width: number;
}

type Part = string | NumField;

/** A set of names as text and numeric fields; a field with several values stands for all of them. */
interface Folded {
  parts: Part[];
}

/**
 * Names that are never folded: IPv6 addresses (hex digits would fold into nonsense) and
 * anything already holding brackets.
 */
function isOpaque(name: string): boolean {
  return name.includes('[') || name.includes(']') || name.indexOf(':') !== name.lastIndexOf(':');
}

function partsOf(name: string): Part[] {
  if (isOpaque(name)) return [name];
  const parts: Part[] = [];
  const pushText = (text: string): void => {
    if (text === '') return;
    const last = parts[parts.length - 1];
    if (typeof last === 'string') parts[parts.length - 1] = last + text;
    else parts.push(text);
  };
  name.split(/([0-9]+)/).forEach((piece, i) => {
    if (i % 2 === 0 || piece.length > MAX_DIGITS) pushText(piece);
    else parts.push({ values: [Number(piece)], width: paddingOf(piece) });
  });
  return parts;
}

function formatNumber(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `1,2,3,7` -> `1-3,7`, padded. */
function formatValues(field: NumField): string {
  const out: string[] = [];
  const { values, width } = field;
  let i = 0;
  while (i < values.length) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === (values[j] ?? 0) + 1) j++;
    const from = formatNumber(values[i] ?? 0, width);
    out.push(j === i ? from : `${from}-${formatNumber(values[j] ?? 0, width)}`);
    i = j + 1;
  }
  return out.join(',');
}

function formatPart(part: Part): string {
  if (typeof part === 'string') return part;
  const body = formatValues(part);
  return part.values.length === 1 ? body : `[${body}]`;
}

/** Grouping key of a part; a NUL cannot occur in a host name, so keys of different shapes never collide. */
function keyOfPart(part: Part): string {
  return typeof part === 'string' ? `t${part}` : `n${part.width}:${part.values.join(',')}`;
}

/** Index in `parts` of the k-th numeric field counting from the right (0 = last), or -1. */
function numericIndexFromRight(parts: Part[], k: number): number {
  let seen = 0;
  for (let i = parts.length - 1; i >= 0; i--) {
    if (typeof parts[i] !== 'string') {
      if (seen === k) return i;
      seen++;
    }
  }
  return -1;
}

/**
 * One folding pass on the k-th numeric field from the right: names equal everywhere else
 * merge into one with a range there. A field written unpadded joins a padded group of its
 * own length (`10` with `01`..`09` gives `[01-10]`); otherwise padded and unpadded, or
 * different widths, stay apart (`node1` and `node01` are different names).
 */
function foldPass(items: Folded[], k: number): Folded[] {
  const groups = new Map<string, Array<{ item: Folded; at: number }>>();
  const out: Folded[] = [];
  for (const item of items) {
    const at = numericIndexFromRight(item.parts, k);
    if (at < 0) {
      out.push(item);
      continue;
    }
    const key = item.parts.map((p, i) => (i === at ? '\u0001' : keyOfPart(p))).join('\u0000');
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = []));
    group.push({ item, at });
  }
  for (const group of groups.values()) {
    const paddedWidths = new Set<number>();
    for (const { item, at } of group) {
      const field = item.parts[at] as NumField;
      if (field.width > 0) paddedWidths.add(field.width);
    }
    const byWidth = new Map<number, { template: Folded; at: number; values: Set<number> }>();
    for (const { item, at } of group) {
      const field = item.parts[at] as NumField;
      let width = field.width;
      if (width === 0) {
        const length = String(field.values[0] ?? 0).length;
        if (paddedWidths.has(length)) width = length;
      }
      let merged = byWidth.get(width);
      if (merged === undefined) byWidth.set(width, (merged = { template: item, at, values: new Set() }));
      for (const v of field.values) merged.values.add(v);
    }
    for (const [width, { template, at, values }] of byWidth) {
      const parts = template.parts.slice();
      parts[at] = { values: [...values].sort((a, b) => a - b), width };
      out.push({ parts });
    }
  }
  return out;
}

/** Natural order: text by code unit, numbers by value; fully deterministic. */
function compareFolded(a: Folded, b: Folded): number {
  const n = Math.min(a.parts.length, b.parts.length);
  for (let i = 0; i < n; i++) {
    const pa = a.parts[i] as Part;
    const pb = b.parts[i] as Part;
    if (typeof pa === 'string' && typeof pb === 'string') {
      if (pa !== pb) return pa < pb ? -1 : 1;
    } else if (typeof pa === 'string') {
      return 1; // digits sort before letters, as in ASCII
    } else if (typeof pb === 'string') {
      return -1;
    } else {
      const c =
        (pa.values[0] ?? 0) - (pb.values[0] ?? 0) ||
        pa.width - pb.width ||
        pa.values.length - pb.values.length;
      if (c !== 0) return c;
      const fa = formatValues(pa);
      const fb = formatValues(pb);
      if (fa !== fb) return fa < fb ? -1 : 1;
    }
  }
  return a.parts.length - b.parts.length;
}

/**
 * Fold names into compact ranges, one string per group, in natural order:
 * `node01,node02,node03,node07` -> `node[01-03,07]`. Folding starts with the last numeric
 * field and then folds earlier fields of names that are equal elsewhere, as ClusterShell
 * does, so `10.0.[1-3].[1-50]` expanded folds back to itself. Names without digits,
 * IPv6 addresses and names holding brackets are kept as they are.
 */
export function foldHostGroups(names: readonly string[]): string[] {
  let items: Folded[] = [...new Set(names)].map((name) => ({ parts: partsOf(name) }));
  let fields = 0;
  for (const item of items) fields = Math.max(fields, item.parts.filter((p) => typeof p !== 'string').length);
  for (let k = 0; k < fields; k++) items = foldPass(items, k);
  return items.sort(compareFolded).map((item) => item.parts.map(formatPart).join(''));
}

/** Fold names into one comma list that splitHostList and expandRanges read back: `db[1-2],web1`. */
export function foldHosts(names: readonly string[]): string {
  return foldHostGroups(names).join(',');
}
