/**
 * Public-key login in one round trip instead of two. ssh2, like OpenSSH, first asks the host
 * whether it would take a key (a query without signature), and signs only after the host said
 * yes. For a key file lwt holds in memory the query buys nothing: signing costs ~50 µs here,
 * while the query costs the host a second look-up of authorized_keys (through sshd's
 * privilege-separation monitor) and both ends a packet round trip per host. RFC 4252 §7 lets
 * a client send the signed request at once; the host verifies the signature only for a key it
 * would accept, and answers SUCCESS or FAILURE as to the query.
 *
 * Done by wrapping the `authPK` of one client's protocol object: a query for an ed25519 or
 * ECDSA key whose private half we hold becomes the signed request. RSA keys (whose signature
 * algorithm ssh2 picks per host) and agent keys (signing may ask the operator) keep the query.
 * When signing fails the query is sent after all, so ssh2 reports the failure as before.
 * Only vendor.ts calls this: it hands over ssh2's objects, so ssh2 is imported there only.
 */

type Sign = (data: Buffer, algo?: string) => Buffer | Error;
interface KeyLike {
  type?: string;
  sign?: Sign;
  isPrivateKey?: () => boolean;
}
type SignCallback = (data: Buffer, done: (signature: Buffer) => void) => void;
type AuthPK = (username: string, key: unknown, keyAlgo?: string | SignCallback, sign?: SignCallback) => unknown;

const SIGNED_FIRST = /^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521))$/;
let wrapped = 0;

/** How many clients got the one-round-trip login (a unit test checks that it still applies). */
export function signedFirstClients(): number {
  return wrapped;
}

/** Wrap `client._protocol.authPK` (call right after `connect()`, which creates `_protocol`). */
export function signPublicKeyFirst(client: object): void {
  const proto = (client as { _protocol?: { authPK?: AuthPK } })._protocol;
  if (typeof proto !== 'object' || proto === null || typeof proto.authPK !== 'function') return;
  const authPK = proto.authPK;
  proto.authPK = function (this: unknown, username, key, keyAlgo, sign): unknown {
    const k = key as KeyLike | null;
    const query = sign === undefined && typeof keyAlgo !== 'function';
    const ours = typeof k?.sign === 'function' && k.isPrivateKey?.() === true && SIGNED_FIRST.test(k.type ?? '');
    if (!query || !ours || (keyAlgo !== undefined && keyAlgo !== k!.type)) return authPK.call(this, username, key, keyAlgo, sign);
    let signed = false;
    authPK.call(this, username, key, keyAlgo, (data, done) => {
      const signature = k!.sign!(data);
      if (signature instanceof Error) return; // nothing sent: the query below goes instead
      signed = true;
      done(signature);
    });
    return signed ? undefined : authPK.call(this, username, key, keyAlgo);
  };
  wrapped++;
}
