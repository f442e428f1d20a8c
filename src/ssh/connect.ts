import type { Readable } from 'node:stream';
import type { Outcome } from '../core/outcome.js';
import { formatHostSpec, type HostSpec } from '../hosts/host-spec.js';
import { logger } from '../log.js';
import { AuthMethods } from './auth.js';
import { resolveHost } from './config/resolve.js';
import type { ResolvedHostConfig, SshConfig, StrictHostKeyChecking } from './config/types.js';
import { fail, handshake } from './handshake.js';
import { HostKeyPolicy } from './host-key-policy.js';
import { JumpHosts } from './proxy-jump.js';
import type { Client as ClientType } from './vendor.js';

/** Operator overrides, from flags; each wins over the OpenSSH config. */
export interface SshOverrides {
  /** -l */
  user?: string;
  /** --port */
  port?: number;
  /** -i, repeatable */
  identityFiles?: string[];
  /** --connect-timeout, ms: TCP, banner, key exchange and authentication together. */
  connectTimeoutMs?: number;
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

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Everything connections of one run share: the parsed OpenSSH config, the identities
 * (each key file parsed once: an encrypted key costs ~280 ms of bcrypt per parse),
 * the known_hosts files, and jump-host connections.
 */
export class SshContext {
  private readonly auth = new AuthMethods();
  private readonly jumps = new JumpHosts((spec, chain, signal) =>
    chain === undefined ? this.connect(spec, signal) : this.connectVia(spec, chain, signal),
  );
  readonly hostKeys = new HostKeyPolicy();
  private readonly log = logger('ssh');

  constructor(
    readonly config: SshConfig,
    readonly overrides: SshOverrides = {},
  ) {}

  /** The OpenSSH options for one host of the list, with the list's user@ and :port first. */
  resolve(spec: HostSpec): ResolvedHostConfig {
    const user = spec.user ?? this.overrides.user;
    const port = spec.port ?? this.overrides.port;
    return resolveHost(this.config, spec.host, {
      ...(user !== undefined ? { user } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(this.overrides.identityFiles?.length ? { identityFiles: this.overrides.identityFiles } : {}),
    });
  }

  /**
   * Connect and authenticate, within the connect deadline. Never throws: every failure is
   * an `unreachable` outcome with its reason. `signal` aborts the attempt (operator cancel).
   */
  async connect(spec: HostSpec, signal?: AbortSignal): Promise<ConnectResult> {
    const cfg = this.resolve(spec);
    const timeoutMs = this.overrides.connectTimeoutMs ?? (cfg.connectTimeoutSec ? cfg.connectTimeoutSec * 1000 : DEFAULT_CONNECT_TIMEOUT_MS);
    return this.open(formatHostSpec(spec), cfg, timeoutMs, signal);
  }

  /** A jump host reached through the hops before it in a ProxyJump chain. */
  private connectVia(spec: HostSpec, jumpChain: string, signal: AbortSignal | undefined): Promise<ConnectResult> {
    const cfg = { ...this.resolve(spec), proxyJump: jumpChain };
    const timeoutMs = this.overrides.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    return this.open(formatHostSpec(spec), cfg, timeoutMs, signal);
  }

  private async open(label: string, cfg: ResolvedHostConfig, timeoutMs: number, signal: AbortSignal | undefined): Promise<ConnectResult> {
    const auth = await this.auth.for(cfg);
    if (typeof auth === 'string') return fail('auth', `${label}: ${auth}`);
    let sock: Readable | undefined;
    if (cfg.proxyJump) {
      const via = await this.jumps.open(cfg, timeoutMs, signal);
      if ('outcome' in via) return via;
      sock = via.sock;
    }
    return handshake({ label, cfg, auth, timeoutMs, signal, sock, overrides: this.overrides, hostKeys: this.hostKeys, log: this.log });
  }

  /** Close shared jump connections. */
  async close(): Promise<void> {
    await this.jumps.close();
  }
}
