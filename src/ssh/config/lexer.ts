/** Splitting ssh_config lines into a keyword and its words, as OpenSSH's readconf.c does. */

/** A problem with one line; the caller adds `source:line` and turns it into a UsageError. */
export class LineError extends Error {}

function isWs(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

/** Split `Keyword value`, `Keyword=value` or `Keyword = value` (one `=` at most), as OpenSSH strdelim(). */
export function splitKeyword(line: string): { keyword: string; rest: string } | undefined {
  let i = 0;
  while (isWs(line[i])) i++;
  if (i >= line.length || line[i] === '#') return undefined;
  const start = i;
  while (i < line.length && !isWs(line[i]) && line[i] !== '=' && line[i] !== '"') i++;
  let keyword = line.slice(start, i);
  if (line[i] === '"') {
    // strdelim(): the quote is dropped and the keyword runs to the next one; without one ssh
    // ignores the line.
    const close = line.indexOf('"', i + 1);
    if (close < 0) return undefined;
    keyword += line.slice(i + 1, close);
    i = close + 1;
    while (isWs(line[i])) i++;
  } else if (line[i] === '=') {
    i++;
    while (isWs(line[i])) i++;
  } else if (isWs(line[i])) {
    while (isWs(line[i])) i++;
    if (line[i] === '=') {
      i++;
      while (isWs(line[i])) i++;
    }
  }
  return { keyword, rest: line.slice(i) };
}

/**
 * OpenSSH argv_split() with comments: words separated by blanks, "double" or 'single' quotes
 * (possibly mid-word), backslash escaping a quote, a backslash, or (outside quotes) a space.
 * A word starting with `#` ends the line.
 */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') break;
    let quote = '';
    let arg = '';
    for (; i < s.length; i++) {
      const ch = s[i] as string;
      if (ch === '\\') {
        const next = s[i + 1];
        if (next === "'" || next === '"' || next === '\\' || (quote === '' && next === ' ')) {
          i++;
          arg += next;
        } else {
          arg += ch;
        }
      } else if (quote === '' && (ch === ' ' || ch === '\t')) {
        break;
      } else if (quote === '' && (ch === '"' || ch === "'")) {
        quote = ch;
      } else if (quote !== '' && ch === quote) {
        quote = '';
      } else {
        arg += ch;
      }
    }
    if (quote !== '') throw new LineError('unterminated quote');
    out.push(arg);
  }
  return out;
}

/**
 * The words of a Match line as OpenSSH 9.2's match_cfg_line reads them: strdelim() with `=`
 * as a separator, on the raw text (other keywords go through argv_split, splitArgs above). A
 * word ends at a blank, a `"` or one `=`; after a word ended by blanks one `=` more is skipped,
 * so `host = web`, `host =web` and `host=web` are all `host web`. A `"` starts a word that runs
 * to the next `"` (an empty `""` is an empty word); without one the words end there. An empty
 * word ends the list too (strdelim returns it at the end of the text, or at a second `=`).
 */
export function matchWords(text: string): string[] {
  const words: string[] = [];
  let s = text;
  for (;;) {
    const cut = s.search(/[ \t\r\n"=]/);
    if (cut < 0) {
      if (s !== '') words.push(s);
      return words;
    }
    if (s[cut] === '"') {
      // strdelim drops the quote and ends the word at the next one, wherever it starts.
      const rest = s.slice(0, cut) + s.slice(cut + 1);
      const close = rest.indexOf('"', cut);
      if (close < 0) return words;
      words.push(rest.slice(0, close));
      s = skipBlanks(rest, close + 1);
      continue;
    }
    const word = s.slice(0, cut);
    const byEquals = s[cut] === '=';
    s = skipBlanks(s, cut + 1);
    if (!byEquals && s.startsWith('=')) s = skipBlanks(s, 1);
    words.push(word);
    if (word === '') return words;
  }
}

function skipBlanks(s: string, from: number): string {
  let i = from;
  while (isWs(s[i])) i++;
  return s.slice(i);
}
