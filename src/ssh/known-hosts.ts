/**
 * known_hosts files, read and checked as OpenSSH's ssh(1) does (sshd(8), SSH_KNOWN_HOSTS FILE FORMAT).
 *
 * A line is `[@marker] hosts keytype base64-key [comment]`. Hosts is a comma-separated pattern
 * list (`*`, `?`, `!` negation; `[host]:port` for a port other than 22) or one hashed name
 * `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`. Lines that cannot be read are skipped with a
 * warning, never fatal, as in ssh.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { isLiteralPattern, matchPatternList, splitPatternList } from './host-patterns.js';

export type HostKeyVerdict =
  | { status: 'match'; file: string; line: number }
  /** `file:line` is where a different key is known for this host. */
  | { status: 'changed'; file: string; line: number }
  | { status: 'revoked'; file: string; line: number }
  | { status: 'unknown' };

interface KnownKey {
  file: string;
  line: number;
  revoked: boolean;
  keyType: string;
  /** Base64 of the key blob as written; decoded on first comparison. */
  b64: string;
  blob?: Buffer;
}

/** Hashed entries of one file, with HMAC-SHA1 pad states precomputed on first lookup. */
interface HashedSet {
  keys: KnownKey[];
  salts: Buffer[];
  /** 5 words per entry: the expected HMAC. */
  hashes: Int32Array;
  /** 10 words per entry: SHA-1 state after the ipad block, then after the opad block. */
  pads?: Int32Array;
}

interface ParsedFile {
  plain: Map<string, KnownKey[]>;
  hashed: HashedSet;
  patterned: { patterns: string[]; key: KnownKey }[];
  warnings: string[];
  badLines: number;
  /** Keys matching a looked-up name, per name: many connections to one host share a scan. */
  memo: Map<string, KnownKey[]>;
}

const MAX_WARNINGS_PER_FILE = 20;
const HASH_MAGIC = '|1|';
const SHA1_LEN = 20;
const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

/** The key type name at the start of an SSH wire-format public key blob (`ssh-ed25519`...). */
export function keyTypeFromBlob(blob: Buffer): string {
  if (blob.length < 4) throw new Error('malformed public key blob: too short');
  const n = blob.readUInt32BE(0);
  if (n === 0 || n > 256 || 4 + n > blob.length) throw new Error('malformed public key blob: bad type length');
  const type = blob.toString('latin1', 4, 4 + n);
  if (!/^[\x21-\x7e]+$/.test(type)) throw new Error('malformed public key blob: bad type name');
  return type;
}

/** `SHA256:<base64 without padding>`, as `ssh-keygen -l` and ssh's messages show it. */
export function fingerprintSha256(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The name ssh looks a host up under: `host` for port 22, `[host]:port` otherwise; lowercased. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 || port === 0 ? h : `[${h}]:${port}`;
}

function hashName(name: string, salt: Buffer): string {
  return `${HASH_MAGIC}${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

function emptyParsed(): ParsedFile {
  return {
    plain: new Map(),
    hashed: { keys: [], salts: [], hashes: new Int32Array(0) },
    patterned: [],
    warnings: [],
    badLines: 0,
    memo: new Map(),
  };
}

/* ------------------------------------------------------------------------------------------ */
/* HMAC-SHA1 for hashed names                                                                  */
/*                                                                                             */
/* Checking a name against N hashed entries costs N HMACs, each keyed by its own salt. With    */
/* the ipad/opad states of each salt computed once, an HMAC is two SHA-1 blocks, and the inner */
/* block's message schedule is shared by all entries.                                          */
/* ------------------------------------------------------------------------------------------ */

const SHA1_IV = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0]);

/** Expand 16 big-endian words at `block[bo..]` into an 80-word schedule at `w[wo..]`. */
function sha1Schedule(block: Int32Array, bo: number, w: Int32Array, wo: number): void {
  for (let i = 0; i < 16; i++) w[wo + i] = block[bo + i]!;
  for (let i = 16; i < 80; i++) {
    const x = w[wo + i - 3]! ^ w[wo + i - 8]! ^ w[wo + i - 14]! ^ w[wo + i - 16]!;
    w[wo + i] = (x << 1) | (x >>> 31);
  }
}

/** One SHA-1 compression: state `st[so..so+5]` with schedule `w[wo..wo+80]` into `out[oo..oo+5]`. */
function sha1Rounds(st: Int32Array, so: number, w: Int32Array, wo: number, out: Int32Array, oo: number): void {
  let a = st[so]!;
  let b = st[so + 1]!;
  let c = st[so + 2]!;
  let d = st[so + 3]!;
  let e = st[so + 4]!;
  for (let i = 0; i < 80; i++) {
    let f: number;
    let k: number;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc | 0;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6 | 0;
    }
    const t = (((a << 5) | (a >>> 27)) + f + e + k + w[wo + i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  out[oo] = (st[so]! + a) | 0;
  out[oo + 1] = (st[so + 1]! + b) | 0;
  out[oo + 2] = (st[so + 2]! + c) | 0;
  out[oo + 3] = (st[so + 3]! + d) | 0;
  out[oo + 4] = (st[so + 4]! + e) | 0;
}

function wordsOf(bytes: Buffer): Int32Array {
  const out = new Int32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readInt32BE(i * 4);
  return out;
}

function computePads(set: HashedSet): Int32Array {
  const n = set.keys.length;
  const pads = new Int32Array(n * 10);
  const w = new Int32Array(80);
  const block = Buffer.alloc(64);
  for (let i = 0; i < n; i++) {
    const salt = set.salts[i] as Buffer;
    for (const [pad, off] of [
      [0x36, 0],
      [0x5c, 5],
    ] as const) {
      block.fill(pad);
      for (let j = 0; j < salt.length; j++) block[j] = (salt[j] as number) ^ pad;
      sha1Schedule(wordsOf(block), 0, w, 0);
      sha1Rounds(SHA1_IV, 0, w, 0, pads, i * 10 + off);
    }
  }
  return pads;
}

/** Indexes of the hashed entries whose name is `name`. */
function hashedMatches(set: HashedSet, name: string): number[] {
  const n = set.keys.length;
  if (n === 0) return [];
  set.pads ??= computePads(set);
  const pads = set.pads;
  // Inner message: the name after the 64-byte ipad block, SHA-1 padded.
  const msg = Buffer.from(name, 'utf8');
  const blocks = Math.ceil((msg.length + 9) / 64);
  const padded = Buffer.alloc(blocks * 64);
  msg.copy(padded);
  padded[msg.length] = 0x80;
  const bits = (64 + msg.length) * 8;
  padded.writeUInt32BE(Math.floor(bits / 0x100000000), padded.length - 8);
  padded.writeUInt32BE(bits >>> 0, padded.length - 4);
  const msgWords = wordsOf(padded);
  const innerW = new Int32Array(80 * blocks);
  for (let b = 0; b < blocks; b++) sha1Schedule(msgWords, b * 16, innerW, b * 80);
  // Outer message: the 20-byte inner digest after the opad block: one block, 84 bytes in all.
  const outerBlock = new Int32Array(16);
  outerBlock[5] = 0x80000000 | 0;
  outerBlock[15] = 84 * 8;
  const outerW = new Int32Array(80);
  const st = new Int32Array(5);
  const digest = new Int32Array(5);
  const found: number[] = [];
  const hashes = set.hashes;
  for (let i = 0; i < n; i++) {
    sha1Rounds(pads, i * 10, innerW, 0, st, 0);
    for (let b = 1; b < blocks; b++) sha1Rounds(st, 0, innerW, b * 80, st, 0);
    for (let j = 0; j < 5; j++) outerBlock[j] = st[j]!;
    sha1Schedule(outerBlock, 0, outerW, 0);
    sha1Rounds(pads, i * 10 + 5, outerW, 0, digest, 0);
    const h = i * 5;
    if (
      digest[0] === hashes[h] &&
      digest[1] === hashes[h + 1] &&
      digest[2] === hashes[h + 2] &&
      digest[3] === hashes[h + 3] &&
      digest[4] === hashes[h + 4]
    ) {
      found.push(i);
    }
  }
  return found;
}

/* ------------------------------------------------------------------------------------------ */
/* Parsing                                                                                     */
/* ------------------------------------------------------------------------------------------ */

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

function blobOf(k: KnownKey): Buffer {
  k.blob ??= Buffer.from(k.b64, 'base64');
  return k.blob;
}

function badLine(out: ParsedFile, file: string, lineNo: number, why: string): void {
  out.badLines++;
  if (out.warnings.length < MAX_WARNINGS_PER_FILE) out.warnings.push(`${file}:${lineNo}: ${why}; line ignored`);
}

/** Parse `text[start..end)` (one line) into `out`; a bad line adds a warning. */
function parseLine(text: string, start: number, end: number, lineNo: number, file: string, out: ParsedFile): void {
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
  if (salt && hash) addHashed(out, salt, hash, key);
  else addPlain(out, hosts, key);
}

function addHashed(out: ParsedFile, salt: Buffer, hash: Buffer, key: KnownKey): void {
  out.memo.clear();
  const set = out.hashed;
  const n = set.keys.length;
  if (set.hashes.length < (n + 1) * 5) {
    const grown = new Int32Array(Math.max(64, (n + 1) * 10));
    grown.set(set.hashes);
    set.hashes = grown;
  }
  set.hashes.set(wordsOf(hash), n * 5);
  set.keys.push(key);
  set.salts.push(salt);
  if (set.pads) {
    // Keep precomputed pads in step: compute this entry's alone.
    const one: HashedSet = { keys: [key], salts: [salt], hashes: new Int32Array(5) };
    const grown = new Int32Array((n + 1) * 10);
    grown.set(set.pads.subarray(0, n * 10));
    grown.set(computePads(one), n * 10);
    set.pads = grown;
  }
}

function addPlain(out: ParsedFile, hosts: string, key: KnownKey): void {
  out.memo.clear();
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

function parseText(text: string, file: string): ParsedFile {
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

/** Keys of this file whose host field matches `name` (already lowercased), in line order. */
function lookup(pf: ParsedFile, name: string): KnownKey[] {
  const memo = pf.memo.get(name);
  if (memo) return memo;
  const found: KnownKey[] = [...(pf.plain.get(name) ?? [])];
  for (const i of hashedMatches(pf.hashed, name)) found.push(pf.hashed.keys[i] as KnownKey);
  for (const p of pf.patterned) if (matchPatternList(name, p.patterns)) found.push(p.key);
  found.sort((a, b) => a.line - b.line);
  pf.memo.set(name, found);
  return found;
}

/* ------------------------------------------------------------------------------------------ */
/* Cache: one parse per file version, shared by all connections                                */
/* ------------------------------------------------------------------------------------------ */

interface CacheEntry {
  sig: string;
  parsed: Promise<ParsedFile | undefined>;
}

const cache = new Map<string, CacheEntry>();

function signature(st: Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

async function getParsed(file: string, warnings: string[]): Promise<ParsedFile | undefined> {
  const abs = resolve(file);
  let st: Stats | undefined;
  try {
    st = await statOrUndefined(abs);
  } catch (err) {
    warnings.push(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return undefined;
  }
  if (st === undefined) {
    cache.delete(abs);
    return undefined;
  }
  const sig = signature(st);
  const hit = cache.get(abs);
  if (hit && hit.sig === sig) return hit.parsed;
  const parsed = readFile(abs, 'utf8').then(
    (text) => parseText(text, file),
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      warnings.push(`${file}: cannot read: ${err.code ?? String(err)}`);
      return undefined;
    },
  );
  cache.set(abs, { sig, parsed });
  const result = await parsed;
  if (result === undefined && cache.get(abs)?.parsed === parsed) cache.delete(abs);
  return result;
}

/* ------------------------------------------------------------------------------------------ */
/* Verification                                                                                */
/* ------------------------------------------------------------------------------------------ */

export class KnownHosts {
  /** Bad lines and unreadable files (never fatal). */
  readonly warnings: string[];

  private constructor(
    private readonly files: ParsedFile[],
    warnings: string[],
  ) {
    this.warnings = warnings;
  }

  /**
   * Load files in order (user files, then global ones). Missing files are fine. Parses are cached
   * per path and file version, so many connections share one parse.
   */
  static async load(files: string[]): Promise<KnownHosts> {
    const warnings: string[] = [];
    const parsed: ParsedFile[] = [];
    for (const f of files) {
      const pf = await getParsed(f, warnings);
      if (pf) {
        parsed.push(pf);
        warnings.push(...pf.warnings);
      }
    }
    return new KnownHosts(parsed, warnings);
  }

  /** Known hosts from text, for tests and tools: `file` names it in verdicts and warnings. */
  static fromText(text: string, file: string): KnownHosts {
    const pf = parseText(text, file);
    return new KnownHosts([pf], [...pf.warnings]);
  }

  private keysFor(name: string): KnownKey[] {
    const out: KnownKey[] = [];
    for (const pf of this.files) out.push(...lookup(pf, name));
    return out;
  }

  /**
   * Check the key a server presented, as ssh does:
   * - a key marked `@revoked` for this host (under either name below) is refused, whatever else;
   * - the host's entries under its known_hosts name (`[host]:port` when port is not 22) hold the
   *   key: match; hold other keys only: changed (the line of a key of the same type if any);
   * - none at all and a port other than 22: the same key under the bare host name is a match
   *   (ssh's "checking without port identifier"); a different key there is not a change;
   * - otherwise unknown.
   * `keyType` is informational: the type inside `keyBlob` is what is compared.
   * With HostKeyAlias, pass the alias as `host` and 22 as `port` (ssh ignores the port then).
   */
  verify(host: string, port: number, keyType: string, keyBlob: Buffer): HostKeyVerdict {
    let type = keyType;
    try {
      type = keyTypeFromBlob(keyBlob);
    } catch {
      // Keep the caller's type: the blob will match nothing anyway.
    }
    const bare = host.toLowerCase();
    const primary = knownHostsName(host, port);
    const names = primary === bare ? [primary] : [primary, bare];
    const same = (k: KnownKey): boolean => blobOf(k).equals(keyBlob);

    for (const name of names) {
      const revoked = this.keysFor(name).find((k) => k.revoked && same(k));
      if (revoked) return { status: 'revoked', file: revoked.file, line: revoked.line };
    }

    const known = this.keysFor(primary).filter((k) => !k.revoked);
    const hit = known.find(same);
    if (hit) return { status: 'match', file: hit.file, line: hit.line };
    if (known.length > 0) {
      const other = known.find((k) => k.keyType === type) ?? (known[0] as KnownKey);
      return { status: 'changed', file: other.file, line: other.line };
    }
    if (names.length > 1) {
      const bareHit = this.keysFor(bare).find((k) => !k.revoked && same(k));
      if (bareHit) return { status: 'match', file: bareHit.file, line: bareHit.line };
    }
    return { status: 'unknown' };
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Appending                                                                                   */
/* ------------------------------------------------------------------------------------------ */

const appendChains = new Map<string, Promise<void>>();

/**
 * Add `host`'s key to `file` as ssh does on first contact (`[host]:port` for ports other than 22,
 * hashed when asked). The write is atomic; appends to one file from this process are serialized.
 * The folder is created with mode 0700 and a new file gets mode 0600.
 */
export async function appendKnownHost(
  file: string,
  host: string,
  port: number,
  keyType: string,
  keyBlob: Buffer,
  opts: { hash?: boolean } = {},
): Promise<void> {
  if (host === '' || /[\s,@?*#[\]|'"\\!]/.test(host)) {
    throw new Error(`refusing to record a host key for an unsafe host name: '${host}'`);
  }
  let type = keyType;
  try {
    type = keyTypeFromBlob(keyBlob);
  } catch {
    throw new Error(`refusing to record a malformed ${keyType} host key for ${host}`);
  }
  const name = knownHostsName(host, port);
  const field = opts.hash ? hashName(name, randomBytes(SHA1_LEN)) : name;
  const line = `${field} ${type} ${keyBlob.toString('base64')}\n`;

  const abs = resolve(file);
  const prev = appendChains.get(abs) ?? Promise.resolve();
  const next = prev.catch(() => undefined).then(() => appendLine(abs, file, line));
  appendChains.set(abs, next);
  try {
    await next;
  } finally {
    if (appendChains.get(abs) === next) appendChains.delete(abs);
  }
}

async function appendLine(abs: string, file: string, line: string): Promise<void> {
  await mkdir(dirname(abs), { recursive: true, mode: 0o700 });
  let target = abs;
  try {
    target = await realpath(abs); // Keep a symlinked known_hosts a symlink.
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const before = await statOrUndefined(target);
  let existing = '';
  if (before) {
    try {
      existing = await readFile(target, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  const sep = existing !== '' && !existing.endsWith('\n') ? '\n' : '';
  const content = existing + sep + line;
  await writeFileAtomic(target, content, before ? before.mode & 0o7777 : 0o600);

  // Keep the cached parse in step instead of re-reading a large file on the next load.
  const hit = cache.get(abs);
  if (hit) {
    const pf = before ? await hit.parsed : undefined;
    const after = await statOrUndefined(target);
    if (pf && after && hit.sig === signature(before as Stats) && cache.get(abs) === hit) {
      let lineNo = 1;
      for (let i = content.indexOf('\n'); i >= 0 && i < content.length - 1; i = content.indexOf('\n', i + 1)) lineNo++;
      parseLine(line, 0, line.length - 1, lineNo, file, pf);
      hit.sig = signature(after);
    } else {
      cache.delete(abs);
    }
  }
}
