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
  blob: Buffer;
}

interface ParsedFile {
  plain: Map<string, KnownKey[]>;
  hashed: { encoded: string; salt: Buffer; key: KnownKey }[];
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
  return { plain: new Map(), hashed: [], patterned: [], warnings: [], badLines: 0, memo: new Map() };
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/** Parse one line into `out`; a bad line adds a warning. */
function parseLine(raw: string, lineNo: number, file: string, out: ParsedFile): void {
  let end = raw.length;
  while (end > 0 && (raw[end - 1] === '\r' || raw[end - 1] === ' ' || raw[end - 1] === '\t')) end--;
  let i = 0;
  while (i < end && isBlank(raw[i])) i++;
  if (i >= end || raw[i] === '#') return;

  const badLine = (why: string): void => {
    out.badLines++;
    if (out.warnings.length < MAX_WARNINGS_PER_FILE) out.warnings.push(`${file}:${lineNo}: ${why}; line ignored`);
  };
  const token = (): string => {
    const s = i;
    while (i < end && !isBlank(raw[i])) i++;
    const t = raw.slice(s, i);
    while (i < end && isBlank(raw[i])) i++;
    return t;
  };

  let marker: 'none' | 'revoked' | 'ca' = 'none';
  if (raw[i] === '@') {
    const m = token();
    if (m === '@revoked') marker = 'revoked';
    else if (m === '@cert-authority') marker = 'ca';
    else return badLine(`unknown marker '${m}'`);
  }
  const hosts = token();
  if (i >= end || raw[i] === '#') return badLine('no key after the host names');
  const keyType = token();
  const b64 = token();
  if (b64 === '' || !BASE64_RE.test(b64)) return badLine('bad base64 key data');
  const blob = Buffer.from(b64, 'base64');
  let blobType: string;
  try {
    blobType = keyTypeFromBlob(blob);
  } catch {
    return badLine('bad key data');
  }
  if (blobType !== keyType) return badLine(`key type ${keyType} does not match the key data (${blobType})`);

  let hashed: { salt: Buffer; encoded: string } | undefined;
  if (hosts.startsWith('|')) {
    const rest = hosts.slice(HASH_MAGIC.length);
    const sep = rest.indexOf('|');
    const saltB64 = sep < 0 ? '' : rest.slice(0, sep);
    const salt = Buffer.from(saltB64, 'base64');
    if (!hosts.startsWith(HASH_MAGIC) || sep < 0 || !BASE64_RE.test(saltB64) || salt.length !== SHA1_LEN) {
      return badLine('bad hashed host name');
    }
    hashed = { salt, encoded: hosts };
  }
  // Certificate authorities are for host certificates, which lwt does not use: read, not applied.
  if (marker === 'ca') return;

  const key: KnownKey = { file, line: lineNo, revoked: marker === 'revoked', keyType, blob };
  addKey(out, hosts, hashed, key);
}

function addKey(out: ParsedFile, hosts: string, hashed: { salt: Buffer; encoded: string } | undefined, key: KnownKey): void {
  out.memo.clear();
  if (hashed) {
    out.hashed.push({ ...hashed, key });
    return;
  }
  const patterns = splitPatternList(hosts);
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
    parseLine(text.slice(start, nl), lineNo, file, out);
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
  for (const h of pf.hashed) if (hashName(name, h.salt) === h.encoded) found.push(h.key);
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
    const same = (k: KnownKey): boolean => k.blob.equals(keyBlob);

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
      parseLine(line.slice(0, -1), lineNo, file, pf);
      hit.sig = signature(after);
    } else {
      cache.delete(abs);
    }
  }
}
