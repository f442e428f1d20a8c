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
import { shellQuote } from '../core/shell-quote.js';
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

export function fillTemplate(template: string, line: string, seq: number): string {
  if (!hasReplacement(template)) return `${template} ${shellQuote(line)}`;
  let fields: string[] | undefined;
  return template.replace(TOKEN, (_m, what: string | undefined) => {
    if (what === undefined) return shellQuote(line);
    if (what === '#') return String(seq);
    fields ??= line.trim() === '' ? [] : line.trim().split(/\s+/);
    return shellQuote(fields[Number(what) - 1] ?? '');
  });
}
