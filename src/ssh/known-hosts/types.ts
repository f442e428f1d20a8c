/** A parsed known_hosts file, indexed for lookups by name. */

export interface KnownKey {
  file: string;
  line: number;
  revoked: boolean;
  keyType: string;
  /** Base64 of the key blob as written; decoded on first comparison. */
  b64: string;
  blob?: Buffer;
}

/** Hashed entries of one file, with HMAC-SHA1 pad states precomputed on first lookup. */
export interface HashedSet {
  keys: KnownKey[];
  salts: Buffer[];
  /** 5 words per entry: the expected HMAC. */
  hashes: Int32Array;
  /** 10 words per entry: SHA-1 state after the ipad block, then after the opad block. */
  pads?: Int32Array;
}

export interface ParsedFile {
  plain: Map<string, KnownKey[]>;
  hashed: HashedSet;
  patterned: { patterns: string[]; key: KnownKey }[];
  warnings: string[];
  badLines: number;
  /** Keys matching a looked-up name, per name: many connections to one host share a scan. */
  memo: Map<string, KnownKey[]>;
}

export function emptyParsed(): ParsedFile {
  return {
    plain: new Map(),
    hashed: { keys: [], salts: [], hashes: new Int32Array(0) },
    patterned: [],
    warnings: [],
    badLines: 0,
    memo: new Map(),
  };
}
