/** One SSH handshake: TCP (or a given stream), host key check and authentication, under one deadline. */
import type { Readable } from 'node:stream';
import type { LogSink } from '../core/log-sink.js';
import type { Outcome } from '../core/outcome.js';
import { localUser } from './auth.js';
import { classifyConnectError } from './classify-error.js';
import type { ResolvedHostConfig } from './config/types.js';
import { fail, type ConnectResult, type SshOverrides } from './connect-result.js';
import type { HostKeyPolicy } from './host-key-policy.js';
import { batchSocketWrites, newClient, type AnyAuthMethod, type ConnectConfig } from './vendor.js';

/** ssh2's keepalive is off by default; a dead host mid-command must not hang us for hours. */
const DEFAULT_KEEPALIVE_MS = 15_000;
const DEFAULT_KEEPALIVE_COUNT = 3;


export interface HandshakeRequest {
  label: string;
  cfg: ResolvedHostConfig;
  auth: AnyAuthMethod[];
  timeoutMs: number;
  signal: AbortSignal | undefined;
  /** A stream to the host (a jump host's forwarded channel) instead of a TCP connection. */
  sock: Readable | undefined;
  overrides: SshOverrides;
  hostKeys: HostKeyPolicy;
  log: LogSink;
}

export function handshake(req: HandshakeRequest): Promise<ConnectResult> {
  const { label, cfg, auth, timeoutMs, signal, sock, overrides } = req;
  const port = cfg.port ?? 22;
  const strict = overrides.strictHostKeyChecking ?? cfg.strictHostKeyChecking;
  const client = newClient();
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
      if (overrides.batchWrites) batchSocketWrites(client);
    });
    client.once('ready', () => finish({ ok: true, client, config: cfg }));
    // 'on', not 'once': ssh2 may emit a second error (and errors after 'ready'), and an
    // EventEmitter error without a listener would take the whole run down.
    client.on('error', (err: Error & { level?: string }) => {
      if (settled) {
        req.log.debug(`${label}: ${err.message}`);
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
        req.hostKeys
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
      ...(overrides.compress || cfg.compression
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
