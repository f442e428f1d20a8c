/**
 * ssh2's key exchange, made cheaper without changing what it checks. A CPU profile of
 * exec-all at 500 hosts put about a quarter of lwt's CPU in the host key's signature check and
 * the x25519 exchange, half of that OpenSSL decoding keys rather than doing curve math: ssh2
 * writes every host key as PEM text that crypto.verify parses again, exports its x25519 public
 * key as DER and wraps the server's in DER to import it. OpenSSL 3 takes and gives raw keys
 * through JWK at a fraction of that (measured here: a public key from PEM or DER ~75 µs, from
 * JWK ~8 µs; DER export ~60 µs, JWK ~1 µs; an ed25519 verify with PEM ~167 µs, with a
 * KeyObject ~93 µs).
 *
 * - Host keys: the server's key is no longer turned into PEM; its signature is checked with a
 *   KeyObject made from the key's SSH blob through JWK (ed25519, ECDSA, RSA), kept per
 *   distinct blob (hosts cloned from one image share theirs). Other key types (DSA) keep
 *   ssh2's way. The verdict is still crypto.verify's over the same data and hash.
 * - x25519: ssh2's Curve25519Exchange imports the server's public key through JWK, and gets
 *   its own as X25519(k, 9) (see x25519PublicKey: not by export, which can deadlock). ssh2
 *   does not export that class; it is patched through the first key exchange a client
 *   starts. A fresh key pair per connection, as before.
 *
 * Each patch checks the shape it expects and does nothing otherwise; `kexPatches()` says
 * which are in effect, and a unit test fails when one stops applying (an ssh2 upgrade).
 * Only vendor.ts calls this: it hands over ssh2's objects, so ssh2 is imported there only.
 */
import { createPublicKey, diffieHellman, verify as cryptoVerify, type JsonWebKey, type KeyObject } from 'node:crypto';

const PATCHED = Symbol('lwt kex patch');
const applied = { hostKeyVerify: false, curve25519: false, hostKeysVerified: 0 };

/**
 * Which of the patches are in place (x25519: once a client has started a key exchange), and
 * how many host key signatures went through the patch: it is only in effect when ssh2's
 * key exchange code was loaded after it, which this count proves.
 */
export function kexPatches(): { hostKeyVerify: boolean; curve25519: boolean; hostKeysVerified: number } {
  return { ...applied };
}

/** The SSH wire strings of a public key blob; undefined when it does not parse. */
function sshStrings(blob: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  for (let p = 0; p < blob.length; ) {
    if (p + 4 > blob.length) return undefined;
    const n = blob.readUInt32BE(p);
    p += 4;
    if (p + n > blob.length) return undefined;
    out.push(blob.subarray(p, p + n));
    p += n;
  }
  return out;
}

const b64u = (b: Buffer): string => b.toString('base64url');
/** An SSH mpint as the unsigned big-endian integer JWK wants (no leading zero bytes). */
const unsigned = (b: Buffer): Buffer => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
};
const EC_CURVES: Record<string, [string, number]> = { nistp256: ['P-256', 32], nistp384: ['P-384', 48], nistp521: ['P-521', 66] };

/** The JWK of an SSH public key blob (ed25519, ECDSA, RSA); undefined for other types. */
export function jwkOfSshKey(blob: Buffer): JsonWebKey | undefined {
  const s = sshStrings(blob);
  if (!s || s.length < 2) return undefined;
  const type = s[0]!.toString('latin1');
  if (type === 'ssh-ed25519') return s.length === 2 && s[1]!.length === 32 ? { kty: 'OKP', crv: 'Ed25519', x: b64u(s[1]!) } : undefined;
  if (type === 'ssh-rsa') return s.length === 3 ? { kty: 'RSA', e: b64u(unsigned(s[1]!)), n: b64u(unsigned(s[2]!)) } : undefined;
  const ec = /^ecdsa-sha2-(nistp\d+)$/.exec(type);
  const curve = ec ? EC_CURVES[ec[1]!] : undefined;
  if (!curve || s.length !== 3 || s[1]!.toString('latin1') !== ec![1]) return undefined;
  const [crv, size] = curve;
  const q = s[2]!;
  if (q.length !== 1 + 2 * size || q[0] !== 4) return undefined; // uncompressed points only, as OpenSSH sends
  return { kty: 'EC', crv, x: b64u(q.subarray(1, 1 + size)), y: b64u(q.subarray(1 + size)) };
}

/** KeyObjects per distinct host key blob; cleared when full rather than grown without end. */
const keyObjects = new Map<string, KeyObject | null>();
const MAX_KEY_OBJECTS = 4096;

function keyObjectOf(blob: Buffer): KeyObject | undefined {
  const id = blob.toString('latin1');
  let k = keyObjects.get(id);
  if (k === undefined) {
    const jwk = jwkOfSshKey(blob);
    try {
      k = jwk ? createPublicKey({ key: jwk, format: 'jwk' }) : null;
    } catch {
      k = null; // not a key OpenSSL takes: ssh2's own verify decides
    }
    if (keyObjects.size >= MAX_KEY_OBJECTS) keyObjects.clear();
    keyObjects.set(id, k);
  }
  return k ?? undefined;
}

/** ssh2's default hash per host key type (its parseDER's `algo`); RSA's is overridden for rsa-sha2-*. */
const DEFAULT_HASH: Record<string, string | null> = {
  'ssh-ed25519': null,
  'ecdsa-sha2-nistp256': 'sha256',
  'ecdsa-sha2-nistp384': 'sha384',
  'ecdsa-sha2-nistp521': 'sha512',
  'ssh-rsa': 'sha1',
};

type ParseDERKey = ((data: Buffer, type: string) => unknown) & { [PATCHED]?: true };

/**
 * Replace `parseDERKey` of ssh2's keyParser module, which ssh2's key exchange calls for the
 * server's host key and then only asks to `verify`: it built PEM text (through an ASN.1
 * writer) for OpenSSL to parse again at the verify. The replacement verifies with a KeyObject
 * made from the key's blob through JWK. It must run before ssh2's kex.js is loaded: kex.js
 * keeps its own reference to the function (vendor.ts loads this module first).
 */
export function patchHostKeyParser(keyParser: unknown): void {
  const m = keyParser as { parseDERKey?: ParseDERKey } | null;
  if (typeof m?.parseDERKey !== 'function') return;
  if (m.parseDERKey[PATCHED]) return void (applied.hostKeyVerify = true);
  const original = m.parseDERKey;
  const parseDERKey: ParseDERKey = (data: Buffer, type: string): unknown => {
    const hash = typeof type === 'string' ? DEFAULT_HASH[type] : undefined;
    if (hash === undefined || !Buffer.isBuffer(data)) return original(data, type);
    const name = Buffer.from(type, 'latin1');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(name.length);
    const key = keyObjectOf(Buffer.concat([len, name, data]));
    if (!key) return original(data, type);
    return {
      type,
      verify(signed: Buffer, signature: Buffer, algo?: string): boolean | Error {
        applied.hostKeysVerified++;
        try {
          return cryptoVerify(algo && typeof algo === 'string' ? algo : hash, signed, key, signature);
        } catch (err) {
          return err as Error;
        }
      },
    };
  };
  parseDERKey[PATCHED] = true;
  m.parseDERKey = parseDERKey;
  applied.hostKeyVerify = true;
}

interface Curve25519Like {
  type?: string;
  _keys?: { publicKey?: KeyObject; privateKey?: KeyObject } | null;
  generateKeys(): void;
  getPublicKey(): Buffer;
  computeSecret(other: Buffer): Buffer | Error;
}

const isX25519 = (k: KeyObject | undefined): k is KeyObject => k?.asymmetricKeyType === 'x25519';

/** What ssh2's convertToMpint does: leading zeros off, a zero in front when the top bit is set. */
function mpint(buf: Buffer): Buffer {
  let i = 0;
  while (i < buf.length && buf[i] === 0) i++;
  const rest = buf.subarray(i);
  return rest.length > 0 && rest[0]! & 0x80 ? Buffer.concat([Buffer.alloc(1), rest]) : Buffer.from(rest);
}

/** The u-coordinate 9, x25519's base point (RFC 7748 §4.1), as a public key. */
let basePoint: KeyObject | undefined;

/**
 * The raw public key of an x25519 private key: X25519(k, 9), which is what a public key is
 * (RFC 7748 §6.1), computed by OpenSSL's derive.
 *
 * Not `publicKey.export({ format: 'jwk' })`, which was 35 µs cheaper and deadlocked a 500-host
 * exec-all of a bench: node holds the key's mutex while it makes the JWK's strings, a
 * garbage collection there runs the destructor of the generateKeyPairSync job that made the key,
 * and that destructor takes the same mutex (node 20; seen with gdb in a hung exec-all, and
 * in a loop of 20,000 key pairs under --max-semi-space-size=1). The main thread then waits
 * forever and no signal handler runs. A derive makes no JavaScript object while it holds
 * anything; DER export (ssh2's way) is safe too but costs 65 µs more.
 */
export function x25519PublicKey(privateKey: KeyObject): Buffer {
  basePoint ??= createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.concat([Buffer.of(9), Buffer.alloc(31)]).toString('base64url') }, format: 'jwk' });
  return diffieHellman({ privateKey, publicKey: basePoint });
}

/** Patch the class of a key exchange object when it is ssh2's x25519 one. */
function patchCurve25519Class(kex: unknown): void {
  if (applied.curve25519 || typeof kex !== 'object' || kex === null) return;
  const k = kex as Curve25519Like;
  if (k.type !== '25519') return; // another exchange was negotiated: the next client tries again
  const proto = Object.getPrototypeOf(k) as (Curve25519Like & { [PATCHED]?: true }) | null;
  if (!proto || proto[PATCHED]) return;
  if (typeof proto.generateKeys !== 'function' || typeof proto.getPublicKey !== 'function' || typeof proto.computeSecret !== 'function') return;
  const { getPublicKey, computeSecret } = proto;
  proto.getPublicKey = function (this: Curve25519Like): Buffer {
    this.generateKeys();
    const own = this._keys?.privateKey;
    if (!isX25519(own)) return getPublicKey.call(this);
    return x25519PublicKey(own);
  };
  proto.computeSecret = function (this: Curve25519Like, other: Buffer): Buffer | Error {
    this.generateKeys();
    const own = this._keys?.privateKey;
    if (!isX25519(own)) return computeSecret.call(this, other);
    try {
      const theirs = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: other.toString('base64url') }, format: 'jwk' });
      return mpint(diffieHellman({ privateKey: own, publicKey: theirs }));
    } catch (err) {
      return err as Error;
    }
  };
  proto[PATCHED] = true;
  applied.curve25519 = true;
}

/**
 * Catch the client's first key exchange object as ssh2 stores it (`_protocol._kex`, set
 * when the server's KEXINIT arrives, before the exchange starts) and patch its class. Call
 * right after `connect()`, which creates `_protocol`; nothing to do once the class is patched.
 */
export function patchCurve25519Via(client: object): void {
  if (applied.curve25519) return;
  const proto = (client as { _protocol?: unknown })._protocol;
  if (typeof proto !== 'object' || proto === null || !Object.prototype.hasOwnProperty.call(proto, '_kex')) return;
  const own = Object.getOwnPropertyDescriptor(proto, '_kex');
  if (!own || !('value' in own) || !own.writable || !own.configurable) return;
  let kex: unknown = own.value;
  patchCurve25519Class(kex);
  Object.defineProperty(proto, '_kex', {
    configurable: true,
    enumerable: own.enumerable ?? true,
    get: () => kex,
    set: (v: unknown) => {
      kex = v;
      if (v === undefined || v === null) return;
      patchCurve25519Class(v);
      // Back to a plain property: later key exchanges (rekeying) need no more watching.
      Object.defineProperty(proto, '_kex', { value: v, writable: true, configurable: true, enumerable: own.enumerable ?? true });
    },
  });
}
