/**
 * One SSH handshake over a stream already open to the host (a TCP socket whose banner is in,
 * a jump host's channel, a ProxyCommand): key exchange, host key check and authentication,
 * under one deadline that starts here, when the handshake gate admitted it.
 */
import type { Readable } from 'node:stream';
import type { LogSink } from '../core/log-sink.js';
import type { Outcome } from '../core/outcome.js';
import { localUser } from './auth.js';
import { classifyConnectError } from './classify-error.js';
import { ConnectClock } from './connect-clock.js';
import type { ResolvedHostConfig } from './config/types.js';
import { fail, type ConnectResult, type SshOverrides } from './connect-result.js';
import type { HostKeyPolicy } from './host-key-policy.js';
import { batchSocketWrites, connectClient, newClient, type AnyAuthMethod, type ConnectConfig } from './vendor.js';

/** ssh2's keepalive is off by default; a dead host mid-command must not hang us for hours. */
const DEFAULT_KEEPALIVE_MS = 15_000;
const DEFAULT_KEEPALIVE_COUNT = 3;


export interface HandshakeRequest {
  label: string;
  cfg: ResolvedHostConfig;
  auth: AnyAuthMethod[];
  timeoutMs: number;
  signal: AbortSignal | undefined;
  /** The stream to the host: a TCP socket from reachSshd, a jump host's channel, a ProxyCommand. */
  sock: Readable;
  /** The server's banner has already begun to arrive (reachSshd waited for it). */
  bannerSeen: boolean;
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
      clock.stop();
      if (!r.ok) client.destroy();
      resolve(r);
    };
    // Our own deadline over the whole handshake, from admission; ssh2's readyTimeout is a
    // backstop. Through a jump host or a ProxyCommand nothing has been read yet: until the
    // banner comes, a stall is the banner's and a close is a refusal before it (MaxStartups).
    const clock = new ConnectClock(label, timeoutMs, req.bannerSeen ? 'handshake' : 'banner', signal, finish);
    if ((sock as Readable & { destroyed?: boolean }).destroyed) {
      // The host closed it while it waited for a handshake slot (sshd's LoginGraceTime).
      return finish(fail('reset', `${label}: connection closed while waiting for a handshake slot`));
    }

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
      if (clock.phase === 'banner' && /connection lost before handshake/i.test(err.message)) return finish(clock.closed());
      const c = classifyConnectError(err);
      finish(fail(c.reason, `${label}: ${c.message}`));
    });
    client.once('close', () => {
      if (hostKeyProblem) return finish(fail('host-key', hostKeyProblem));
      finish(clock.closed());
    });

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
      sock,
    };
    try {
      connectClient(client, options);
      // ssh2 has paused the stream and reads it once its crypto is ready: this listener
      // neither starts the flow nor misses the first byte.
      if (clock.phase === 'banner') {
        const onData = (chunk: Buffer): void => void (clock.feed(chunk) && sock.off('data', onData));
        sock.on('data', onData);
      }
    } catch (err) {
      const c = classifyConnectError(err);
      finish(fail(c.reason, `${label}: ${c.message}`));
    }
  });
}
