/**
 * The one door to ssh2: everything else imports its classes and types from here, so that an
 * upgrade of ssh2 has one place to check. The patches of ssh2's private internals live here
 * too; each does nothing when the internals are not as expected. ssh2 itself is loaded at
 * its first use here (packages.ts names it, for the bundle); nothing else touches it.
 */
import { ssh2 as loadSsh2, ssh2KeyParser } from '../packages.js';
import { signPublicKeyFirst } from './auth-patch.js';
import { skipHostKeysProof } from './hostkeys-patch.js';
import { patchCurve25519Via, patchHostKeyParser } from './kex-patch.js';
import type { Client as Ssh2Client, ConnectConfig, OpenSSHAgent, ParsedKey, SFTPWrapper } from 'ssh2';

export type {
  AnyAuthMethod,
  ClientChannel,
  ConnectConfig,
  InputAttributes,
  ParsedKey,
  SFTPWrapper,
  Stats,
} from 'ssh2';

export type Client = Ssh2Client;

let loaded = false;

/** ssh2, loaded at the first call: its key parser first, patched before the key exchange takes from it. */
function ssh2(): ReturnType<typeof loadSsh2> {
  if (!loaded) {
    loaded = true;
    patchHostKeyParser(ssh2KeyParser());
  }
  return loadSsh2();
}

/** A new ssh2 client (ssh2 loaded now if it was not yet). */
export function newClient(): Client {
  return new (ssh2().Client)();
}

/**
 * Start the handshake over `options.sock`, with ssh2's x25519 exchange through cheaper key
 * import and export (kex-patch.ts: the client's first key exchange object shows its class),
 * public-key login without the query round trip (auth-patch.ts) and no proofs of the host
 * keys sshd announces after login (hostkeys-patch.ts).
 */
export function connectClient(client: Client, options: ConnectConfig): void {
  client.connect(options);
  patchCurve25519Via(client);
  signPublicKeyFirst(client);
  skipHostKeysProof(client);
}

/** ssh2's key parser, first key only: a file holding several keys gives its first. */
export function parseKey(data: Buffer | string): ParsedKey | Error {
  const r = ssh2().utils.parseKey(data) as ParsedKey | ParsedKey[] | Error;
  if (Array.isArray(r)) return r[0] ?? new Error('no key in file');
  return r;
}

const BATCHED = Symbol('lwt.batchedWrites');

/**
 * Cork the client's socket at its first write of an event-loop turn and uncork it once the
 * turn is over (setImmediate): the packets written in between leave in one writev (ssh2
 * writes every packet by itself, every 32 KiB of a large stream too). Once per connection,
 * however often asked; through ssh2's internal `_sock`; does nothing when it is not a socket
 * that can cork.
 */
export function batchSocketWrites(client: Client): void {
  type Sock = { write: (...args: unknown[]) => boolean; cork?: () => void; uncork?: () => void } & Record<symbol, unknown>;
  const sock = (client as unknown as { _sock?: Sock })._sock;
  if (!sock || typeof sock.cork !== 'function' || typeof sock.uncork !== 'function' || sock[BATCHED]) return;
  sock[BATCHED] = true;
  const write = sock.write;
  let corked = false;
  sock.write = function (this: unknown, ...args: unknown[]): boolean {
    if (!corked) {
      corked = true;
      sock.cork!();
      setImmediate(() => {
        corked = false;
        sock.uncork!();
      });
    }
    return write.apply(this, args);
  };
}

/**
 * ssh2 sends every SFTP request as its own SSH packet, and every packet as its own socket
 * write: a small file costs five packets (OPEN, WRITE, FSETSTAT, CLOSE, RENAME), each
 * encrypted with its own random padding and written with its own syscall. Profiling put-all
 * of 1000 small files showed a third of lwt's CPU in socket writes and a tenth in padding.
 *
 * Requests issued in the same tick are instead gathered and sent as one CHANNEL_DATA stream
 * cut at the channel's packet size (SFTP is a byte stream, packet boundaries carry no
 * meaning), and the socket is corked until the next tick so that the packets of one tick
 * leave in one writev. ssh2 has already charged the channel window for every byte when it
 * hands them over, so flow control is unchanged; any other call on the protocol (close, EOF,
 * window adjust) flushes first, so nothing is reordered. Done through ssh2 internals
 * (`_protocol`, `outgoing`, `_sock`); when they are not as expected it does nothing.
 */
export function coalesceSftpPackets(sftp: SFTPWrapper, client: Client): void {
  type Protocol = { channelData(id: number, data: Buffer): void } & Record<string | symbol, unknown>;
  const s = sftp as unknown as { _protocol?: Protocol; outgoing?: { id: number; packetSize: number } };
  const proto = s._protocol;
  const out = s.outgoing;
  const sock = (client as unknown as { _sock?: { cork?: () => void; uncork?: () => void } })._sock;
  if (!proto || typeof proto.channelData !== 'function' || !out || !(out.packetSize > 0)) return;
  const id = out.id;
  const max = out.packetSize;
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let scheduled = false;
  const flush = (): void => {
    if (pendingLen === 0) return;
    const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingLen);
    pending = [];
    pendingLen = 0;
    for (let p = 0; p < all.length; p += max) proto.channelData(id, all.subarray(p, Math.min(all.length, p + max)));
  };
  const tick = (): void => {
    scheduled = false;
    flush();
    sock?.uncork?.();
  };
  const channelData = (chan: number, data: Buffer): void => {
    if (!scheduled) {
      scheduled = true;
      sock?.cork?.();
      setImmediate(tick);
    }
    if (chan !== id || data.length >= max / 2) {
      flush();
      proto.channelData(chan, data);
      return;
    }
    pending.push(data);
    pendingLen += data.length;
    if (pendingLen >= max) flush();
  };
  s._protocol = new Proxy(proto, {
    get(target, key) {
      if (key === 'channelData') return channelData;
      const v = Reflect.get(target, key, target) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]): unknown => {
        flush();
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** The SSH public blob of what an agent listed (ssh2 gives parsed keys). */
function blobOfAgentKey(k: unknown): Buffer | undefined {
  const key = k as { getPublicSSH?: () => Buffer };
  return typeof key.getPublicSSH === 'function' ? key.getPublicSSH() : undefined;
}

/** The public key blobs an ssh-agent holds; none when it cannot be asked. */
export function agentKeyBlobs(socket: string): Promise<Buffer[]> {
  return new Promise((resolve) => {
    new (ssh2().OpenSSHAgent)(socket).getIdentities((err, keys) => {
      if (err || !keys) resolve([]);
      else resolve(keys.map(blobOfAgentKey).filter((b): b is Buffer => b !== undefined));
    });
  });
}

/**
 * The ssh-agent at `socket`, showing only the keys whose public blob `keep` accepts: the
 * agent's copies of configured identities under IdentitiesOnly, as ssh uses them.
 */
export function filteredAgent(socket: string, keep: (blob: Buffer) => boolean): OpenSSHAgent {
  const agent = new (ssh2().OpenSSHAgent)(socket);
  const list = agent.getIdentities.bind(agent);
  agent.getIdentities = (cb) =>
    list((err, keys) => {
      if (err || !keys) return cb(err ?? undefined);
      cb(undefined, keys.filter((k) => {
        const b = blobOfAgentKey(k);
        return b !== undefined && keep(b);
      }));
    });
  return agent;
}

let bufferPathsAccepted = false;

/**
 * ssh2's SFTP requests write every path with `Buffer.byteLength(path)` and
 * `buf.utf8Write(path, …)`, so a path can only be a string, and a file name that is not
 * UTF-8 cannot be named at all. `Buffer.byteLength` already takes a Buffer; `utf8Write` is
 * taught to copy one. Only calls that would otherwise throw (a Buffer where a string is
 * expected) change; done once per process.
 */
export function acceptBufferSftpPaths(): void {
  if (bufferPathsAccepted) return;
  bufferPathsAccepted = true;
  type Write = (this: Buffer, s: unknown, offset?: number, length?: number) => number;
  const proto = Buffer.prototype as unknown as { utf8Write?: Write };
  const original = proto.utf8Write;
  if (typeof original !== 'function') return;
  proto.utf8Write = function (this: Buffer, s: unknown, offset?: number, length?: number): number {
    if (Buffer.isBuffer(s)) return s.copy(this, offset ?? 0, 0, Math.min(s.length, length ?? s.length));
    return original.call(this, s, offset, length);
  };
}
