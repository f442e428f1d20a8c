import { createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import type { ParsedKey } from './vendor.js';

const signers = new WeakMap<ParsedKey, ParsedKey>();

/**
 * ssh2 signs with the key's PEM text, so OpenSSL parses the key again for every login
 * (about 1 ms per host here, a fifth of our CPU per host). This wrapper signs with a
 * KeyObject parsed once; everything else is the original parsed key.
 */
export function fastSigner(parsed: ParsedKey): ParsedKey {
  let signer = signers.get(parsed);
  if (signer) return signer;
  let keyObject: KeyObject | undefined;
  try {
    keyObject = createPrivateKey(parsed.getPrivatePEM());
  } catch {
    keyObject = undefined; // a key type OpenSSL will not take as PEM: keep ssh2's own signing
  }
  const original = parsed.sign.bind(parsed);
  signer = Object.create(parsed) as ParsedKey;
  // ssh2's sign returns an Error instead of throwing; its typings say Buffer only.
  signer.sign = ((data: Buffer | string, algo?: string): Buffer | Error => {
    // Without an explicit hash only ed25519 (no hash) is safe to sign here.
    if (!keyObject || (!algo && parsed.type !== 'ssh-ed25519')) return original(data, algo);
    try {
      return cryptoSign(algo || null, typeof data === 'string' ? Buffer.from(data) : data, keyObject);
    } catch (err) {
      return err as Error;
    }
  }) as ParsedKey['sign'];
  signers.set(parsed, signer);
  return signer;
}
