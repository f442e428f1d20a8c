/** What connecting to a host yields, and the overrides that shape it: shared by the context, the handshake and ProxyJump. */
import type { Outcome } from '../core/outcome.js';
import type { ResolvedHostConfig, StrictHostKeyChecking } from './config/types.js';
import type { Client as ClientType } from './vendor.js';

/** Operator overrides, from flags; each wins over the OpenSSH config. */
export interface SshOverrides {
  /** -l */
  user?: string;
  /** --port */
  port?: number;
  /** -i, repeatable */
  identityFiles?: string[];
  /**
   * --connect-timeout, ms: TCP and banner together, then key exchange and authentication
   * from when the handshake gate admits the host.
   */
  connectTimeoutMs?: number;
  /** --handshakes: SSH handshakes in flight at once, across all hosts (default DEFAULTS.handshakes). */
  handshakes?: number;
  /** --strict-host-key-checking */
  strictHostKeyChecking?: StrictHostKeyChecking;
  /** -C */
  compress?: boolean;
  /**
   * Gather the socket writes of one event-loop turn into one writev (transfers). ssh2 writes
   * every SSH packet with its own syscall; on a busy run each is a wakeup of the server too.
   */
  batchWrites?: boolean;
}

export type ConnectResult =
  | { ok: true; client: ClientType; config: ResolvedHostConfig }
  | { ok: false; outcome: Extract<Outcome, { kind: 'unreachable' }> };

/** A connect failure as the one outcome every caller reports. */
export function fail(reason: Extract<Outcome, { kind: 'unreachable' }>['reason'], message: string): Extract<ConnectResult, { ok: false }> {
  return { ok: false, outcome: { kind: 'unreachable', reason, message } };
}
