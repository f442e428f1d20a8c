import type { Readable } from 'node:stream';
import type { Outcome } from '../core/outcome.js';
import { formatHostSpec, type HostSpec } from '../hosts/host-spec.js';
import { silentLog, type LogSink } from '../core/log-sink.js';
import { AuthMethods } from './auth.js';
import { resolveHost } from './config/resolve.js';
import type { ResolvedHostConfig, SshConfig, StrictHostKeyChecking } from './config/types.js';
import { fail, type ConnectResult, type SshOverrides } from './connect-result.js';
import { handshake } from './handshake.js';
import { HostKeyPolicy } from './host-key-policy.js';
import { JumpHosts } from './proxy-jump.js';
import type { Client as ClientType } from './vendor.js';

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Everything connections of one run share: the parsed OpenSSH config, the identities
 * (each key file parsed once: an encrypted key costs ~280 ms of bcrypt per parse),
 * the known_hosts files, and jump-host connections.
 */
export type { ConnectResult, SshOverrides };

export class SshContext {
  private readonly auth: AuthMethods;
  private readonly jumps = new JumpHosts((spec, chain, signal) =>
    chain === undefined ? this.connect(spec, signal) : this.connectVia(spec, chain, signal),
  );
  readonly hostKeys: HostKeyPolicy;

  constructor(
    readonly config: SshConfig,
    readonly overrides: SshOverrides = {},
    /** Where this context's connections log (warnings about keys, host keys, handshakes). */
    readonly log: LogSink = silentLog,
  ) {
    this.auth = new AuthMethods(log);
    this.hostKeys = new HostKeyPolicy(log);
  }

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
