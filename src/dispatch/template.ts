/**
 * The command of one dispatch job: the operator's template with GNU parallel's replacement
 * strings filled from the input line. Every value is shell-quoted, so a line is always data,
 * never shell syntax (a line `; rm -rf ~` is one argument).
 *
 *   {}   the whole line          {#}  the line's number (1-based, in the input)
 *   {N}  the Nth whitespace-separated field (1-based; empty when the line has fewer)
 *
 * A template without any replacement string gets the line appended as its last argument,
 * as GNU parallel does (`lwt dispatch gzip` gzips each named file).
 */
import { isUtf8 } from 'node:buffer';
import { shellQuote, shellQuoteBytes } from '../core/shell-quote.js';
import { UsageError } from '../errors.js';

const TOKEN = /\{(#|\d+)?\}/g;

export function hasReplacement(template: string): boolean {
  return new RegExp(TOKEN.source).test(template);
}

/** Refuse `{0}`: fields are 1-based, as in GNU parallel; a typo should not silently run. */
export function checkTemplate(template: string): void {
  if (template.trim() === '') throw new UsageError('dispatch: the command is empty');
  for (const m of template.matchAll(TOKEN)) {
    if (m[1] === '0') throw new UsageError(`dispatch: '{0}' in the command: fields are numbered from {1}`);
  }
}

/**
 * `line` as its bytes: a line that is not UTF-8 still arrives byte for byte (shellQuoteBytes);
 * its fields are then cut at ASCII blanks.
 */
export function fillTemplate(template: string, line: string | Buffer, seq: number): string {
  const text = typeof line === 'string' ? line : line.toString('utf8');
  const exact = typeof line === 'string' || isUtf8(line);
  const quote = (value: string | Buffer): string => (typeof value === 'string' ? shellQuote(value) : shellQuoteBytes(value));
  const whole: string | Buffer = exact ? text : (line as Buffer);
  if (!hasReplacement(template)) return `${template} ${quote(whole)}`;
  let fields: Array<string | Buffer> | undefined;
  return template.replace(TOKEN, (_m, what: string | undefined) => {
    if (what === undefined) return quote(whole);
    if (what === '#') return String(seq);
    fields ??= exact ? (text.trim() === '' ? [] : text.trim().split(/\s+/)) : byteFields(line as Buffer);
    return quote(fields[Number(what) - 1] ?? '');
  });
}

/** Fields of a line that is not UTF-8: runs of bytes between spaces and tabs. */
function byteFields(line: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = -1;
  for (let i = 0; i <= line.length; i++) {
    const blank = i === line.length || line[i] === 0x20 || line[i] === 0x09;
    if (blank && start >= 0) {
      out.push(line.subarray(start, i));
      start = -1;
    } else if (!blank && start < 0) start = i;
  }
  return out;
}
