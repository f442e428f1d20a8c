/**
 * Reading known_hosts text. A line is `[@marker] hosts keytype base64-key [comment]`. Hosts is a
 * comma-separated pattern list (`*`, `?`, `!` negation; `[host]:port` for a port other than 22)
 * or one hashed name. Lines that cannot be read are skipped with a warning, never fatal, as in ssh.
 */
import { isLiteralPattern, splitPatternList } from '../host-patterns.js';
import { keyTypeFromBlob } from './keys.js';
import { addHashed, HASH_MAGIC, SHA1_LEN } from './hashed.js';
import { emptyParsed, type KnownKey, type ParsedFile } from './types.js';

const MAX_WARNINGS_PER_FILE = 20;
const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

const typeHeads = new Map<string, { head: Buffer; prefix: string }>();

/**
 * Whether base64 key data starts with `uint32 length || type`, decoding at most one 4-character
 * group: the whole 3-byte groups of that header are compared as base64 text.
 */
function typeMatches(b64: string, type: string): boolean {
  let t = typeHeads.get(type);
  if (t === undefined) {
    const head = Buffer.alloc(4 + Buffer.byteLength(type, 'latin1'));
    head.writeUInt32BE(head.length - 4, 0);
    head.write(type, 4, 'latin1');
    t = { head, prefix: head.subarray(0, Math.floor(head.length / 3) * 3).toString('base64') };
    if (typeHeads.size < 64) typeHeads.set(type, t);
  }
  if (!b64.startsWith(t.prefix)) return false;
  const covered = (t.prefix.length / 4) * 3;
  if (covered === t.head.length) return true;
  const rest = Buffer.from(b64.slice(t.prefix.length, t.prefix.length + 4), 'base64');
  return rest.length >= t.head.length - covered && rest.subarray(0, t.head.length - covered).equals(t.head.subarray(covered));
}

function badLine(out: ParsedFile, file: string, lineNo: number, why: string): void {
  out.badLines++;
  if (out.warnings.length < MAX_WARNINGS_PER_FILE) out.warnings.push(`${file}:${lineNo}: ${why}; line ignored`);
}

/** Parse `text[start..end)` (one line) into `out`; a bad line adds a warning. */
export function parseLine(text: string, start: number, end: number, lineNo: number, file: string, out: ParsedFile): void {
  // 32 = space, 9 = tab, 13 = CR, 35 = '#', 64 = '@'
  while (end > start) {
    const c = text.charCodeAt(end - 1);
    if (c !== 32 && c !== 9 && c !== 13) break;
    end--;
  }
  let i = start;
  while (i < end && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  if (i >= end || text.charCodeAt(i) === 35) return;

  const tokens: string[] = [];
  const first = text.charCodeAt(i) === 64;
  // The marker (if any), the hosts, the key type and the key: 4 tokens at most; the rest is comment.
  while (i < end && tokens.length < (first ? 4 : 3)) {
    const s = i;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9) break;
      i++;
    }
    tokens.push(text.slice(s, i));
    while (i < end && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  }
  let marker: 'none' | 'revoked' | 'ca' = 'none';
  if (first) {
    const m = tokens.shift() as string;
    if (m === '@revoked') marker = 'revoked';
    else if (m === '@cert-authority') marker = 'ca';
    else return badLine(out, file, lineNo, `unknown marker '${m}'`);
  }
  const [hosts, keyType, b64] = tokens;
  if (hosts === undefined || keyType === undefined || keyType.startsWith('#')) {
    return badLine(out, file, lineNo, 'no key after the host names');
  }
  if (b64 === undefined || !BASE64_RE.test(b64)) return badLine(out, file, lineNo, 'bad base64 key data');
  if (!typeMatches(b64, keyType)) {
    let what = 'bad key data';
    try {
      what = `key type ${keyType} does not match the key data (${keyTypeFromBlob(Buffer.from(b64, 'base64'))})`;
    } catch {
      // Not a key blob at all.
    }
    return badLine(out, file, lineNo, what);
  }

  let salt: Buffer | undefined;
  let hash: Buffer | undefined;
  if (hosts.startsWith('|')) {
    const parts = hosts.slice(HASH_MAGIC.length).split('|');
    const [saltB64, hashB64] = parts;
    if (
      !hosts.startsWith(HASH_MAGIC) ||
      parts.length !== 2 ||
      saltB64 === undefined ||
      hashB64 === undefined ||
      !BASE64_RE.test(saltB64) ||
      !BASE64_RE.test(hashB64)
    ) {
      return badLine(out, file, lineNo, 'bad hashed host name');
    }
    salt = Buffer.from(saltB64, 'base64');
    hash = Buffer.from(hashB64, 'base64');
    // ssh compares the text, so only the canonical base64 of a SHA-1 can ever match.
    if (salt.length !== SHA1_LEN || hash.length !== SHA1_LEN || hash.toString('base64') !== hashB64) {
      return badLine(out, file, lineNo, 'bad hashed host name');
    }
  }
  // Certificate authorities are for host certificates, which lwt does not use: read, not applied.
  if (marker === 'ca') return;

  const key: KnownKey = { file, line: lineNo, revoked: marker === 'revoked', keyType, b64 };
  out.memo.clear();
  if (salt && hash) addHashed(out.hashed, salt, hash, key);
  else addPlain(out, hosts, key);
}

function addPlain(out: ParsedFile, hosts: string, key: KnownKey): void {
  const patterns = hosts.includes(',') ? splitPatternList(hosts) : [hosts];
  if (patterns.every(isLiteralPattern)) {
    for (const p of patterns) {
      const name = p.toLowerCase();
      const list = out.plain.get(name);
      if (list) list.push(key);
      else out.plain.set(name, [key]);
    }
  } else {
    out.patterned.push({ patterns, key });
  }
}

export function parseText(text: string, file: string): ParsedFile {
  const out = emptyParsed();
  let start = 0;
  let lineNo = 0;
  while (start < text.length) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    lineNo++;
    parseLine(text, start, nl, lineNo, file, out);
    start = nl + 1;
  }
  if (out.badLines > out.warnings.length) {
    out.warnings.push(`${file}: ${out.badLines - out.warnings.length} more bad lines ignored`);
  }
  return out;
}
