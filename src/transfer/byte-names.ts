/**
 * File names are bytes on Linux, not text: a name that is not valid UTF-8 must still be read,
 * listed, sent and fetched exactly. Names travel through lwt as strings (globs, plans and
 * messages work on strings), decoded from bytes with "surrogate escapes" as Python does:
 * valid UTF-8 decodes as usual, and every byte that is not part of a valid sequence becomes
 * the lone surrogate U+DC80 + (byte - 0x80), which valid UTF-8 never yields. Encoding turns
 * such a string back into exactly the bytes read. At the file system (local paths) and SFTP
 * (remote paths) a name with escapes is handed over as a Buffer; every other name stays a
 * string, so the common case costs one native UTF-8 check.
 */
import { isUtf8 } from 'node:buffer';

/** A lone low surrogate U+DC80…U+DCFF (not the second half of a pair): an escaped byte. */
const ESCAPE = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/;

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there starts none. */
function sequenceAt(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  // 0xED 0xA0… would be a UTF-16 surrogate: not valid UTF-8.
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c >= 0xe1 && c <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** The string for a name read as bytes (exact: encodeName gives the bytes back). */
export function decodeName(b: Buffer): string {
  if (isUtf8(b)) return b.toString('utf8');
  let out = '';
  let start = 0;
  for (let i = 0; i < b.length; ) {
    const n = sequenceAt(b, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += b.toString('utf8', start, i) + String.fromCharCode(0xdc00 + b[i]!);
    i++;
    start = i;
  }
  return out + b.toString('utf8', start);
}

/** Whether a decoded name holds bytes that are not UTF-8 (and so needs encodeName). */
export function hasEscapes(s: string): boolean {
  // A string without lone surrogates (native check, Node 20) holds no escape: the regular
  // expression runs only for the rare rest. Called for every path of every host's transfer.
  return !isWellFormed(s) && ESCAPE.test(s);
}

const isWellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : () => false;

/** The bytes of a decoded name. */
export function encodeName(s: string): Buffer {
  if (!hasEscapes(s)) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let text = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xdc80 && cp <= 0xdcff) {
      parts.push(Buffer.from(text, 'utf8'), Buffer.of(cp - 0xdc00));
      text = '';
    } else {
      text += ch;
    }
  }
  parts.push(Buffer.from(text, 'utf8'));
  return Buffer.concat(parts);
}

/** A path for the file system or SFTP: the string itself, or its exact bytes when it holds escapes. */
export function bytePath(s: string): string | Buffer {
  return hasEscapes(s) ? encodeName(s) : s;
}
