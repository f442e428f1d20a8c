/** Quote a word for a POSIX shell: single quotes, with embedded ones closed, escaped, reopened. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_\/.,:=@%+-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Quote bytes as one POSIX shell word that expands to exactly those bytes. A command line is
 * UTF-8 text (ssh's exec request, a process's argv), so bytes that are not UTF-8 cannot be
 * written into it as they are: each run of them becomes `"$(printf '\ooo…')"`, which the
 * shell expands back to the bytes (a subshell, paid only by such words). Valid text is quoted
 * as by shellQuote.
 */
export function shellQuoteBytes(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const parts: string[] = [];
  let i = 0;
  while (i < buf.length) {
    const start = i;
    let n: number;
    while (i < buf.length && (n = utf8SequenceLength(buf, i)) > 0) i += n;
    if (i > start) parts.push(shellQuote(buf.toString('utf8', start, i)));
    const bad = i;
    while (i < buf.length && utf8SequenceLength(buf, i) === 0) i++;
    if (i > bad) parts.push(`"$(printf '${[...buf.subarray(bad, i)].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('')}')"`);
  }
  return parts.length ? parts.join('') : "''";
}

/** The length of the well-formed UTF-8 sequence at `i` (RFC 3629: no overlongs, no surrogates), or 0. */
export function utf8SequenceLength(buf: Uint8Array, i: number): number {
  const b = buf[i]!;
  if (b < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < buf.length && buf[i + k]! >= lo && buf[i + k]! <= hi;
  if (b >= 0xc2 && b <= 0xdf) return cont(1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    const lo = b === 0xe0 ? 0xa0 : 0x80;
    const hi = b === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    const lo = b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}
