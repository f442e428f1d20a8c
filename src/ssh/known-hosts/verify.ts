/** Checking a server's host key against known_hosts files, as OpenSSH's ssh(1) does. */
import { matchPatternList } from '../host-patterns.js';
import { KnownHostsFiles } from './cache.js';
import { hashedMatches } from './hashed.js';
import { keyTypeFromBlob, knownHostsName } from './keys.js';
import { parseText } from './parse.js';
import type { KnownKey, ParsedFile } from './types.js';

export type HostKeyVerdict =
  | { status: 'match'; file: string; line: number }
  /** `file:line` is where a different key is known for this host. */
  | { status: 'changed'; file: string; line: number }
  | { status: 'revoked'; file: string; line: number }
  | { status: 'unknown' };

function blobOf(k: KnownKey): Buffer {
  k.blob ??= Buffer.from(k.b64, 'base64');
  return k.blob;
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
  static async load(files: string[], cache: KnownHostsFiles = new KnownHostsFiles()): Promise<KnownHosts> {
    const warnings: string[] = [];
    const parsed: ParsedFile[] = [];
    for (const f of files) {
      const pf = await cache.get(f, warnings);
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
   * - the host's entries under its known_hosts name (`[host]:port` when port is not 22): the key
   *   marked `@revoked` there is refused; held: match; other keys only: changed (the line of a
   *   key of the same type if any);
   * - none at all and a port other than 22: the bare host name is checked (ssh's "checking
   *   without port identifier"): the key revoked there is refused (ssh would call the host
   *   new), held there is a match; a different key there is not a change;
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

    // The host's own name first, revocations included: an entry there decides, as in ssh.
    const primaryKeys = this.keysFor(primary);
    const revoked = primaryKeys.find((k) => k.revoked && same(k));
    if (revoked) return { status: 'revoked', file: revoked.file, line: revoked.line };
    const known = primaryKeys.filter((k) => !k.revoked);
    const hit = known.find(same);
    if (hit) return { status: 'match', file: hit.file, line: hit.line };
    if (known.length > 0) {
      const other = known.find((k) => k.keyType === type) ?? (known[0] as KnownKey);
      return { status: 'changed', file: other.file, line: other.line };
    }
    // No `[host]:port` entry: ssh checks the bare name ("checking without port identifier").
    // A key revoked there stays refused (ssh would then treat the host as new).
    if (names.length > 1) {
      const bareKeys = this.keysFor(bare);
      const bareRevoked = bareKeys.find((k) => k.revoked && same(k));
      if (bareRevoked) return { status: 'revoked', file: bareRevoked.file, line: bareRevoked.line };
      const bareHit = bareKeys.find((k) => !k.revoked && same(k));
      if (bareHit) return { status: 'match', file: bareHit.file, line: bareHit.line };
    }
    return { status: 'unknown' };
  }
}
