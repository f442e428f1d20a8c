/**
 * Private keys for public-key authentication, loaded as ssh(1) treats IdentityFile entries:
 * a missing default file is skipped silently, a missing configured one is reported, a key that
 * others can read is refused, and an encrypted key is usable only through ssh-agent (lwt never
 * prompts for a passphrase).
 */
import { readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { displayPath } from './config/paths.js';
import type { IdentityFileRef } from './config/types.js';
import { parseKey, type ParsedKey } from './vendor.js';

export interface LoadedIdentity {
  path: string;
  explicit: boolean;
  /** The file's content: give it to ssh2 as `privateKey`. */
  privateKey: Buffer;
  /** ssh2's parse of it (usable as `privateKey` too, without a second parse). */
  parsed: ParsedKey;
  /** SSH wire-format public key, to compare with an agent's keys or log a fingerprint. */
  publicKeyBlob: Buffer;
  keyType: string;
}

/** A key lwt cannot use by itself, but an ssh-agent holding it could. */
export interface LockedIdentity {
  path: string;
  explicit: boolean;
  reason: 'encrypted' | 'public-only';
  /** From the key file's clear-text public part or its `.pub` file, when either exists. */
  publicKeyBlob?: Buffer;
  /** The same text as in `problems`: drop it when an agent holds `publicKeyBlob`. */
  problem: string;
}

export interface IdentityLoadResult {
  keys: LoadedIdentity[];
  /** One line each, naming the file. Includes the `problem` of every locked identity. */
  problems: string[];
  locked: LockedIdentity[];
}

/** What reading one key file gave. */
export type KeyLoad =
  | { kind: 'missing' }
  | { kind: 'key'; privateKey: Buffer; parsed: ParsedKey; publicKeyBlob: Buffer; keyType: string }
  | { kind: 'locked'; reason: 'encrypted' | 'public-only'; publicKeyBlob?: Buffer }
  | { kind: 'bad-mode'; mode: number }
  | { kind: 'error'; message: string };

/**
 * One parse per key file version: a passphrase-protected key costs a bcrypt run per parse.
 * Owned by whoever loads (one per SshContext), so a library caller controls its lifetime.
 */
export type IdentityCache = Map<string, { sig: string; load: Promise<KeyLoad> }>;

function readString(buf: Buffer, pos: number): { value: Buffer; next: number } | undefined {
  if (pos + 4 > buf.length) return undefined;
  const len = buf.readUInt32BE(pos);
  if (pos + 4 + len > buf.length) return undefined;
  return { value: buf.subarray(pos + 4, pos + 4 + len), next: pos + 4 + len };
}

/** The clear-text public key of an `openssh-key-v1` private key file (present even when encrypted). */
function publicFromOpenSshPrivate(text: string): Buffer | undefined {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]+?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (!m || m[1] === undefined) return undefined;
  const data = Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (data.toString('latin1', 0, magic.length) !== magic) return undefined;
  let pos = magic.length;
  for (let i = 0; i < 3; i++) {
    // ciphername, kdfname, kdfoptions
    const s = readString(data, pos);
    if (!s) return undefined;
    pos = s.next;
  }
  if (pos + 4 > data.length || data.readUInt32BE(pos) < 1) return undefined;
  return readString(data, pos + 4)?.value;
}

async function publicBlobFor(path: string, text: string): Promise<Buffer | undefined> {
  const fromPrivate = publicFromOpenSshPrivate(text);
  if (fromPrivate) return fromPrivate;
  try {
    const pub = parseKey(await readFile(`${path}.pub`));
    if (!(pub instanceof Error)) return pub.getPublicSSH();
  } catch {
    // No .pub file: the public key stays unknown.
  }
  return undefined;
}

async function loadOne(path: string, st: Stats): Promise<KeyLoad> {
  const uid = process.getuid?.();
  // ssh refuses a private key that group or others can access, when the user owns it.
  if (uid !== undefined && st.uid === uid && (st.mode & 0o077) !== 0) return { kind: 'bad-mode', mode: st.mode & 0o777 };
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'error', message: `cannot be read: ${code ?? String(err)}` };
  }
  const text = data.toString('utf8');
  const parsed = parseKey(data);
  if (parsed instanceof Error) {
    if (/encrypted|passphrase/i.test(parsed.message) || /BEGIN ENCRYPTED PRIVATE KEY/.test(text)) {
      const blob = await publicBlobFor(path, text);
      return blob ? { kind: 'locked', reason: 'encrypted', publicKeyBlob: blob } : { kind: 'locked', reason: 'encrypted' };
    }
    return { kind: 'error', message: `cannot be used: ${parsed.message}` };
  }
  const publicKeyBlob = parsed.getPublicSSH();
  if (!parsed.isPrivateKey()) return { kind: 'locked', reason: 'public-only', publicKeyBlob };
  return { kind: 'key', privateKey: data, parsed, publicKeyBlob, keyType: parsed.type };
}

async function keyLoadFor(path: string, cache: IdentityCache): Promise<KeyLoad> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    cache.delete(path);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    return { kind: 'error', message: `cannot be read: ${code ?? String(err)}` };
  }
  const sig = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.mode}`;
  const hit = cache.get(path);
  if (hit && hit.sig === sig) return hit.load;
  const load = loadOne(path, st);
  cache.set(path, { sig, load });
  return load;
}

/**
 * Load identity files in order. Each file is read and parsed once per process (per version of
 * the file); concurrent callers share the work.
 */
export async function loadIdentities(
  files: readonly IdentityFileRef[],
  opts: { home?: string; cache?: IdentityCache } = {},
): Promise<IdentityLoadResult> {
  const cache: IdentityCache = opts.cache ?? new Map();
  const home = opts.home ?? homedir();
  const result: IdentityLoadResult = { keys: [], problems: [], locked: [] };
  const seen = new Set<string>();
  const loads = await Promise.all(
    files.map(async (f) => {
      const abs = resolve(f.path);
      return { ref: f, abs, load: seen.has(abs) ? undefined : (seen.add(abs), await keyLoadFor(abs, cache)) };
    }),
  );
  for (const { ref, abs, load } of loads) {
    if (load === undefined) continue;
    const shown = displayPath(abs, home);
    switch (load.kind) {
      case 'missing':
        if (ref.explicit) result.problems.push(`identity file ${shown} not found`);
        break;
      case 'key':
        result.keys.push({
          path: abs,
          explicit: ref.explicit,
          privateKey: load.privateKey,
          parsed: load.parsed,
          publicKeyBlob: load.publicKeyBlob,
          keyType: load.keyType,
        });
        break;
      case 'locked': {
        const problem =
          load.reason === 'encrypted'
            ? `identity ${shown} is encrypted and no ssh-agent holds it: add it with ssh-add, or pass -i with an unencrypted key`
            : `identity ${shown} is a public key only and no ssh-agent holds its private key`;
        const locked: LockedIdentity = { path: abs, explicit: ref.explicit, reason: load.reason, problem };
        if (load.publicKeyBlob) locked.publicKeyBlob = load.publicKeyBlob;
        result.locked.push(locked);
        result.problems.push(problem);
        break;
      }
      case 'bad-mode': {
        const mode = load.mode.toString(8).padStart(4, '0');
        result.problems.push(
          `identity ${shown} is accessible by others (mode ${mode}): ssh refuses such keys; run chmod 600 ${shown}`,
        );
        break;
      }
      case 'error':
        result.problems.push(`identity ${shown} ${load.message}`);
        break;
    }
  }
  return result;
}
