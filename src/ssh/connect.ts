import type { Readable } from 'node:stream';
import type { Outcome } from '../core/outcome.js';
import { formatHostSpec, type HostSpec } from '../hosts/host-spec.js';
import { silentLog, type LogSink } from '../core/log-sink.js';
import { AuthMethods } from './auth.js';
import { UsageError } from '../errors.js';
import { resolveHost } from './config/resolve.js';
import type { ResolvedHostConfig, SshConfig, StrictHostKeyChecking } from './config/types.js';
import { fail, type ConnectResult, type SshOverrides } from './connect-result.js';
import { handshake } from './handshake.js';
import { HandshakeGate } from './handshake-gate.js';
import { reachSshd, type Reached } from './reach.js';
import { retryThrottled, throttledBudgetMs } from './throttle.js';
import { HostKeyPolicy } from './host-key-policy.js';
import { JumpHosts } from './proxy-jump.js';
import { spawnProxyCommand, tryProxyCommandLine, type ProxyProcess } from './proxy-command.js';
import type { AnyAuthMethod, Client as ClientType } from './vendor.js';
import { DEFAULTS } from '../defaults.js';

/** When neither the operator (flag, lwt config) nor the host's ConnectTimeout gives one. */
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
  /** Every handshake of the run (jump hosts too) passes here: see handshake-gate.ts. */
  readonly gate: HandshakeGate;

  constructor(
    readonly config: SshConfig,
    readonly overrides: SshOverrides = {},
    /** Where this context's connections log (warnings about keys, host keys, handshakes). */
    readonly log: LogSink = silentLog,
  ) {
    this.auth = new AuthMethods(log);
    this.hostKeys = new HostKeyPolicy(log);
    this.gate = new HandshakeGate(overrides.handshakes ?? DEFAULTS.handshakes);
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
    let cfg: ResolvedHostConfig;
    try {
      cfg = this.resolve(spec);
    } catch (err) {
      // A config error that depends on the host (an unknown keyword IgnoreUnknown does not cover).
      if (err instanceof UsageError) return fail('config', `${formatHostSpec(spec)}: ${err.message}`);
      throw err;
    }
    const timeoutMs = this.overrides.connectTimeoutMs ?? (cfg.connectTimeoutSec ? cfg.connectTimeoutSec * 1000 : DEFAULT_CONNECT_TIMEOUT_MS);
    return this.open(formatHostSpec(spec), spec.host, cfg, timeoutMs, signal);
  }

  /** A jump host reached through the hops before it in a ProxyJump chain. */
  private connectVia(spec: HostSpec, jumpChain: string, signal: AbortSignal | undefined): Promise<ConnectResult> {
    // The chain given wins over the hop's own ProxyJump/ProxyCommand, as `ssh -J` does.
    const { proxyCommand: _ignored, ...own } = this.resolve(spec);
    const cfg = { ...own, proxyJump: jumpChain };
    const timeoutMs = this.overrides.connectTimeoutMs ?? (cfg.connectTimeoutSec ? cfg.connectTimeoutSec * 1000 : DEFAULT_CONNECT_TIMEOUT_MS);
    return this.open(formatHostSpec(spec), spec.host, cfg, timeoutMs, signal);
  }

  private async open(
    label: string,
    originalHost: string,
    cfg: ResolvedHostConfig,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<ConnectResult> {
    // Never another way than the config says: a keyword lwt does not apply refuses the host.
    if (cfg.refused !== undefined) return fail('config', `${label}: ${cfg.refused}`);
    // The first attempt's TCP connection and banner go out before the identities are ready:
    // the first host of a run waits for ssh2 and its key files to load (~15 ms of CPU), and
    // the host's sshd starts its session (a new process) meanwhile instead of after.
    let early = cfg.proxyJump || cfg.proxyCommand ? undefined : reachSshd(label, cfg.hostName, cfg.port ?? 22, timeoutMs, signal);
    this.hostKeys.prefetch(cfg);
    const drop = (): void => void early?.then((r) => r.ok && r.sock.destroy());
    let auth: AnyAuthMethod[] | string;
    try {
      auth = await this.auth.for(cfg);
    } catch (err) {
      drop();
      throw err;
    }
    if (typeof auth === 'string') {
      drop();
      return fail('auth', `${label}: ${auth}`);
    }
    return retryThrottled(() => {
      const reached = early;
      early = undefined;
      return this.openOnce(label, originalHost, cfg, auth, timeoutMs, signal, reached);
    }, {
      budgetMs: throttledBudgetMs(timeoutMs),
      signal,
      onRetry: (tries, delayMs, last) => this.log.debug(`${last.outcome.message}; try ${tries + 1} in ${delayMs} ms`),
    });
  }

  /**
   * Reach the host (TCP and banner, or a jump host's channel, or a ProxyCommand), then wait
   * for a handshake slot, then shake hands with the deadline starting at admission.
   */
  private async openOnce(
    label: string,
    originalHost: string,
    cfg: ResolvedHostConfig,
    auth: AnyAuthMethod[],
    timeoutMs: number,
    signal: AbortSignal | undefined,
    /** The TCP and banner part, when it was started already (open). */
    reaching?: Promise<Reached>,
  ): Promise<ConnectResult> {
    let sock: Readable;
    let proxy: ProxyProcess | undefined;
    let bannerSeen = false;
    if (cfg.proxyJump) {
      const via = await this.jumps.open(cfg, timeoutMs, signal);
      if ('outcome' in via) return via;
      sock = via.sock;
    } else if (cfg.proxyCommand) {
      const built = tryProxyCommandLine(cfg, originalHost);
      if ('error' in built) return fail('config', `${label}: ${built.error}`);
      proxy = spawnProxyCommand(built.line, cfg.proxyCommand, label, this.log);
      sock = proxy.sock;
    } else {
      const reached = await (reaching ?? reachSshd(label, cfg.hostName, cfg.port ?? 22, timeoutMs, signal));
      if (!reached.ok) return reached;
      sock = reached.sock;
      bannerSeen = true;
    }
    const release = await this.gate.admit(signal);
    if (release === undefined) {
      sock.destroy();
      proxy?.kill();
      return fail('connect-timeout', `${label}: connect aborted`);
    }
    let r: ConnectResult;
    try {
      r = await handshake({ label, cfg, auth, timeoutMs, signal, sock, bannerSeen, overrides: this.overrides, hostKeys: this.hostKeys, log: this.log });
    } finally {
      release();
    }
    if (proxy === undefined) return r;
    const p = proxy;
    if (!r.ok) {
      // Give the command's exit a moment to be seen: its status and stderr name the culprit.
      await new Promise((res) => setTimeout(res, 50));
      const why = p.failure();
      p.kill();
      return why !== undefined && r.outcome.reason !== 'host-key' && r.outcome.reason !== 'auth' ? fail('refused', `${label}: ${why}`) : r;
    }
    r.client.once('close', () => p.kill());
    return r;
  }

  /** Close shared jump connections. */
  async close(): Promise<void> {
    await this.jumps.close();
  }
}
