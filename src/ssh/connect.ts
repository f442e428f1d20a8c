import ssh2 from 'ssh2';
import type { Client as ClientType, ConnectConfig, AnyAuthMethod, ParsedKey } from 'ssh2';
import { createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Readable } from 'node:stream';
import type { Outcome } from '../core/outcome.js';
import { formatHostSpec, parseHostSpec, type HostSpec } from '../hosts/host-spec.js';
import { logger } from '../log.js';
import { classifyConnectError } from './classify-error.js';
import { HostKeyPolicy } from './host-key-policy.js';
import { loadIdentities, type LoadedIdentity } from './identity.js';
import { resolveHost } from './config/resolve.js';
import type { ResolvedHostConfig, SshConfig, StrictHostKeyChecking } from './config/types.js';

const { Client } = ssh2;

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
/** ssh2's keepalive is off by default; a dead host mid-command must not hang us for hours. */
const DEFAULT_KEEPALIVE_MS = 15_000;
const DEFAULT_KEEPALIVE_COUNT = 3;

/**
 * Everything connections of one run share: the parsed OpenSSH config, the identities
 * (each key file parsed once: an encrypted key costs ~280 ms of bcrypt per parse),
 * the known_hosts files, and jump-host connections.
 */
export class SshContext {
  private identities = new Map<string, Promise<{ keys: LoadedIdentity[]; problems: string[] }>>();
  private jumps = new Map<string, Promise<ConnectResult>>();
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
    const label = formatHostSpec(spec);
    const timeoutMs = this.overrides.connectTimeoutMs ?? (cfg.connectTimeoutSec ? cfg.connectTimeoutSec * 1000 : DEFAULT_CONNECT_TIMEOUT_MS);
    const auth = await this.authMethods(cfg);
    if (typeof auth === 'string') return fail('auth', `${label}: ${auth}`);

    let sock: Readable | undefined;
    if (cfg.proxyJump) {
      const via = await this.openThroughJump(cfg, timeoutMs, signal);
      if ('outcome' in via) return via;
      sock = via.sock;
    }
    return this.handshake(label, cfg, auth, timeoutMs, signal, sock);
  }

  private handshake(
    label: string,
    cfg: ResolvedHostConfig,
    auth: AnyAuthMethod[],
    timeoutMs: number,
    signal: AbortSignal | undefined,
    sock: Readable | undefined,
  ): Promise<ConnectResult> {
    const port = cfg.port ?? 22;
    const strict = this.overrides.strictHostKeyChecking ?? cfg.strictHostKeyChecking;
    const client = new Client();
    let hostKeyProblem: string | undefined;
    return new Promise<ConnectResult>((resolve) => {
      let settled = false;
      const finish = (r: ConnectResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (!r.ok) client.destroy();
        resolve(r);
      };
      // Our own deadline over the whole handshake; ssh2's readyTimeout alone does not cover a
      // TCP connect that hangs on a silently dropped SYN in every version.
      const timer = setTimeout(() => finish(fail('connect-timeout', `${label}: no SSH session within ${timeoutMs} ms`)), timeoutMs);
      const onAbort = (): void => finish(fail('connect-timeout', `${label}: connect aborted`));
      signal?.addEventListener('abort', onAbort, { once: true });

      // ssh2 leaves Nagle on. Its handshake, channel opens and SFTP requests are small writes
      // that wait for an ACK the server delays by 40 ms: measured here, TCP_NODELAY cut a
      // loopback connect from ~90 to ~50 ms and opening an SFTP session from 45 to 2 ms.
      client.once('connect', () => {
        client.setNoDelay(true);
        if (this.overrides.batchWrites) batchSocketWrites(client);
      });
      client.once('ready', () => finish({ ok: true, client, config: cfg }));
      // 'on', not 'once': ssh2 may emit a second error (and errors after 'ready'), and an
      // EventEmitter error without a listener would take the whole run down.
      client.on('error', (err: Error & { level?: string }) => {
        if (settled) {
          this.log.debug(`${label}: ${err.message}`);
          return;
        }
        if (hostKeyProblem) return finish(fail('host-key', hostKeyProblem));
        const c = classifyConnectError(err);
        finish(fail(c.reason, `${label}: ${c.message}`));
      });
      client.once('close', () => finish(fail(hostKeyProblem ? 'host-key' : 'reset', hostKeyProblem ?? `${label}: connection closed during handshake`)));

      const options: ConnectConfig = {
        host: cfg.hostName,
        port,
        username: cfg.user ?? localUser(),
        readyTimeout: timeoutMs + 1000,
        keepaliveInterval: cfg.serverAliveIntervalSec === 0 ? 0 : (cfg.serverAliveIntervalSec ?? DEFAULT_KEEPALIVE_MS / 1000) * 1000,
        keepaliveCountMax: cfg.serverAliveCountMax ?? DEFAULT_KEEPALIVE_COUNT,
        authHandler: auth,
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
          this.hostKeys
            .check({ label, host: cfg.hostKeyAlias ?? cfg.hostName, port: cfg.hostKeyAlias ? 22 : port, key, strict, cfg })
            .then(
              (verdict) => {
                if (!verdict.ok) hostKeyProblem = verdict.message;
                verify(verdict.ok);
              },
              (err: unknown) => {
                hostKeyProblem = `${label}: cannot check host key: ${String(err)}`;
                verify(false);
              },
            );
        },
        ...(this.overrides.compress || cfg.compression
          ? { algorithms: { compress: ['zlib@openssh.com', 'zlib', 'none'] } }
          : {}),
        ...(sock ? { sock } : {}),
      };
      try {
        client.connect(options);
      } catch (err) {
        const c = classifyConnectError(err);
        finish(fail(c.reason, `${label}: ${c.message}`));
      }
    });
  }

  /** Auth methods in OpenSSH's order: agent keys, then identity files. A string explains why there are none. */
  private async authMethods(cfg: ResolvedHostConfig): Promise<AnyAuthMethod[] | string> {
    const username = cfg.user ?? localUser();
    const methods: AnyAuthMethod[] = [];
    const agent = cfg.identityAgent === 'none' ? undefined : (cfg.identityAgent ?? process.env.SSH_AUTH_SOCK);
    const agentUsable = agent !== undefined && agent !== '' && existsSync(agent);
    // IdentitiesOnly restricts the agent to the configured keys; we skip the agent then, which
    // is stricter than ssh but never offers a key the operator did not name.
    if (agentUsable && !cfg.identitiesOnly) methods.push({ type: 'agent', username, agent });
    const key = cfg.identities.map((i) => `${i.explicit ? '!' : ''}${i.path}`).join('\0');
    let loading = this.identities.get(key);
    if (!loading) {
      loading = loadIdentities(cfg.identities);
      this.identities.set(key, loading);
    }
    const { keys, problems } = await loading;
    for (const k of keys) methods.push({ type: 'publickey', username, key: fastSigner(k.parsed) });
    if (methods.length === 0) {
      return problems.length > 0 ? problems.join('; ') : 'no identity file found and no ssh-agent (give -i KEY or start ssh-agent)';
    }
    for (const p of problems) this.log.warn(p);
    return methods;
  }

  /** ProxyJump: one shared connection per jump host, and a forwarded TCP channel per target. */
  private async openThroughJump(
    cfg: ResolvedHostConfig,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<{ sock: Readable } | Extract<ConnectResult, { ok: false }>> {
    // Several comma-separated hops: the last one is reached through the ones before, via
    // its own config (so each hop's ProxyJump chain resolves the same way).
    const hops = cfg.proxyJump!.split(',').map((h) => h.trim()).filter(Boolean);
    const last = hops.at(-1)!;
    let jump = this.jumps.get(cfg.proxyJump!);
    if (!jump) {
      let spec: HostSpec;
      try {
        spec = parseHostSpec(last.replace(/^ssh:\/\//, ''));
      } catch {
        return fail('protocol', `bad ProxyJump '${cfg.proxyJump}'`);
      }
      const before = hops.slice(0, -1);
      jump = before.length > 0 ? this.connectVia(spec, before.join(','), signal) : this.connect(spec, signal);
      this.jumps.set(cfg.proxyJump!, jump);
    }
    const j = await jump;
    if (!j.ok) return fail(j.outcome.reason, `via jump host ${last}: ${j.outcome.message}`);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(fail('connect-timeout', `jump host ${last} did not open a channel in time`)), timeoutMs);
      j.client.forwardOut('127.0.0.1', 0, cfg.hostName, cfg.port ?? 22, (err, stream) => {
        clearTimeout(timer);
        if (err) resolve(fail('refused', `jump host ${last} could not reach ${cfg.hostName}:${cfg.port ?? 22}: ${err.message}`));
        else resolve({ sock: stream });
      });
    });
  }

  private async connectVia(spec: HostSpec, jumpChain: string, signal: AbortSignal | undefined): Promise<ConnectResult> {
    const cfg = { ...this.resolve(spec), proxyJump: jumpChain };
    const label = formatHostSpec(spec);
    const timeoutMs = this.overrides.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const auth = await this.authMethods(cfg);
    if (typeof auth === 'string') return fail('auth', `${label}: ${auth}`);
    const via = await this.openThroughJump(cfg, timeoutMs, signal);
    if ('outcome' in via) return via;
    return this.handshake(label, cfg, auth, timeoutMs, signal, via.sock);
  }

  /** Close shared jump connections. */
  async close(): Promise<void> {
    for (const j of this.jumps.values()) {
      const r = await j;
      if (r.ok) r.client.end();
    }
    this.jumps.clear();
  }
}

function fail(reason: Extract<Outcome, { kind: 'unreachable' }>['reason'], message: string): Extract<ConnectResult, { ok: false }> {
  return { ok: false, outcome: { kind: 'unreachable', reason, message } };
}

/**
 * Cork the client's socket at its first write of an event-loop turn and uncork it once the
 * turn is over (setImmediate): the packets written in between leave in one writev. Through
 * ssh2's internal `_sock`; does nothing when it is not a socket that can cork.
 */
function batchSocketWrites(client: ClientType): void {
  const sock = (client as unknown as { _sock?: { write: (...args: unknown[]) => boolean; cork?: () => void; uncork?: () => void } })._sock;
  if (!sock || typeof sock.cork !== 'function' || typeof sock.uncork !== 'function') return;
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

let cachedUser: string | undefined;

/** ssh's default remote user: the local one. */
function localUser(): string {
  if (cachedUser === undefined) {
    try {
      cachedUser = userInfo().username;
    } catch {
      cachedUser = process.env.USER ?? 'root';
    }
  }
  return cachedUser;
}

const signers = new WeakMap<ParsedKey, ParsedKey>();

/**
 * ssh2 signs with the key's PEM text, so OpenSSL parses the key again for every login
 * (about 1 ms per host here, a fifth of our CPU per host). This wrapper signs with a
 * KeyObject parsed once; everything else is the original parsed key.
 */
function fastSigner(parsed: ParsedKey): ParsedKey {
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
