import { UsageError } from '../errors.js';
import { quoteForMessage } from './quote.js';

/** Most names one pattern (or one host list) may expand to: a typo like `[1-99999999]` must fail, not eat memory. */
export const MAX_EXPANSION = 1_000_000;

/** Longest digit run treated as a number; longer runs (serials, hashes) would lose precision. */
export const MAX_DIGITS = 15;

/** Values of one bracket group, already formatted with their padding. */
type Segment = string | string[];

function badRange(pattern: string, reason: string): UsageError {
  return new UsageError(`bad range ${quoteForMessage(pattern)}: ${reason}`);
}

/** A number's padding width: `007` is padded to 3, `7` and `0` are not padded (0). */
export function paddingOf(digits: string): number {
  return digits.length > 1 && digits.startsWith('0') ? digits.length : 0;
}

/**
 * One list item: `7`, `1-9` or `1-9/2`. Whitespace around the parts is ignored, as
 * ClusterShell does, so `[ 1, 5 - 7 ]` reads as `[1,5-7]`.
 */
const ITEM = /^\s*([0-9]+)\s*(?:-\s*([0-9]+)\s*(?:\/\s*([0-9]+)\s*)?)?$/;

interface Range {
  from: number;
  to: number;
  step: number;
  width: number;
}

/** Why an item that ITEM refused is wrong, naming the item. */
function itemProblem(item: string): string {
  const text = item.trim();
  const quoted = quoteForMessage(text);
  // pdsh refuses these too; ClusterShell's `n[-3]` would silently mean `n-3`.
  const bare = text.replace(/\s/g, '');
  if (/^-?[0-9]+(--?[0-9]+)?(\/[0-9]+)?$/.test(bare) && /^-|--/.test(bare)) return `${quoted}: negative numbers are not allowed`;
  if (/^[0-9]+\s*\/\s*[0-9]+$/.test(text)) return `${quoted}: a step needs a range, as in 1-9/2`;
  return `${quoted} is not a number or a range`;
}

/**
 * Values of one group such as `01-03,07` or `10-98/2`. A range's padding is its start's:
 * `01-03` gives 01,02,03; `8-10` gives 8,9,10. The end must be written in that padding
 * (`01-3` and `001-44` are refused, as ClusterShell does; `01-100` reads as 01..99,100).
 */
function groupValues(pattern: string, body: string): string[] {
  if (body.trim() === '') throw badRange(pattern, 'empty brackets');
  const ranges: Range[] = [];
  let count = 0;
  const items = body.split(',');
  items.forEach((item, i) => {
    if (item.trim() === '') throw badRange(pattern, emptyItem(i, items.length));
    const m = ITEM.exec(item);
    if (m === null) throw badRange(pattern, itemProblem(item));
    const start = m[1] ?? '';
    const end = m[2] ?? start;
    const stepText = m[3] ?? '1';
    if ([start, end, stepText].some((d) => d.length > MAX_DIGITS)) throw badRange(pattern, `number longer than ${MAX_DIGITS} digits`);
    const width = paddingOf(start);
    const to = Number(end);
    if (end !== String(to).padStart(width, '0')) {
      throw badRange(pattern, `padding of ${quoteForMessage(start)} and ${quoteForMessage(end)} differs`);
    }
    const from = Number(start);
    const step = Number(stepText);
    if (from > to) throw badRange(pattern, 'start after end');
    if (step < 1) throw badRange(pattern, `${quoteForMessage(item.trim())}: step must be 1 or more`);
    count += Math.floor((to - from) / step) + 1;
    if (count > MAX_EXPANSION) throw badRange(pattern, `expands to more than ${MAX_EXPANSION} names`);
    ranges.push({ from, to, step, width });
  });
  const values: string[] = [];
  for (const { from, to, step, width } of ranges) {
    for (let n = from; n <= to; n += step) values.push(width === 0 ? String(n) : String(n).padStart(width, '0'));
  }
  // Equal strings need equal numbers, so only overlapping ranges can repeat a value;
  // hashing every value of a large range just to find none is what made this slow.
  return rangesOverlap(ranges) ? [...new Set(values)] : values;
}

/** Where an empty item of a comma list is, for the message: `a,`, `,a`, `a,,b`. */
function emptyItem(index: number, count: number): string {
  if (count === 1) return 'empty item';
  if (index === 0) return "empty item before the first ','";
  if (index === count - 1) return "empty item after the last ','";
  return "empty item between ','s";
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

/** Items of a comma list, split at commas outside brackets, untrimmed. */
export function splitOutsideBrackets(list: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= list.length; i++) {
    const c = list[i];
    if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === undefined || (c === ',' && depth === 0)) {
      items.push(list.slice(start, i));
      start = i + 1;
    }
  }
  return items;
}

/**
 * Split a pdsh/clush-style comma list, keeping commas inside brackets:
 * `a,node[1-3,7],b` gives `a`, `node[1-3,7]`, `b`. Items are trimmed. An empty item
 * (`a,,b`, `a,`, `,`) is refused, as pdsh and ClusterShell do: it is usually a typo
 * or a variable that expanded to nothing. A blank list has no items.
 * An unclosed '[' swallows the rest of the list, and expansion then reports that item.
 */
export function splitHostList(list: string): string[] {
  if (list.trim() === '') return [];
  const items = splitOutsideBrackets(list).map((item) => item.trim());
  const empty = items.indexOf('');
  if (empty >= 0) throw new UsageError(`bad host list ${quoteForMessage(list)}: ${emptyItem(empty, items.length)}`);
  return items;
}
