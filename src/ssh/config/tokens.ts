/** %-tokens and ${ENV} in option values, expanded at resolve time with errors naming the line. */
import { UsageError } from '../../errors.js';

/** A value with the place it was read, for messages. */
export interface Located<T> {
  value: T;
  source: string;
  line: number;
}

/** HostName accepts only %h (the name given) and %%. */
export function expandHostName(v: Located<string>, originalHost: string): string {
  return expandTokens(v, { h: () => originalHost }, false, 'HostName');
}

export function expandTokens(
  v: Located<string>,
  tokens: Record<string, () => string>,
  dollar: boolean,
  keyword: string,
): string {
  const s = v.value;
  let out = '';
  const where = v.line > 0 ? `${v.source}:${v.line}` : v.source;
  const fail = (msg: string): never => {
    throw new UsageError(`${where}: ${keyword}: ${msg} in '${s}'`);
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (dollar && c === '$' && s[i + 1] === '{') {
      const end = s.indexOf('}', i + 2);
      if (end < 0) fail('unterminated ${');
      const name = s.slice(i + 2, end);
      const val = process.env[name];
      if (val === undefined) fail(`environment variable ${name} is not set`);
      out += val;
      i = end;
    } else if (c === '%') {
      const t = s[i + 1];
      if (t === undefined) fail('lone % at the end');
      const fn = tokens[t as string];
      if (t === '%') out += '%';
      else if (fn !== undefined) out += fn();
      else fail(`unknown token %${t}`);
      i++;
    } else {
      out += c;
    }
  }
  return out;
}
