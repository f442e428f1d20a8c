/** SSH public key blobs (type name, fingerprint) and the name a host's keys are filed under. */
import { createHash } from 'node:crypto';

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
