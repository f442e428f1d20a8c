import type { UnreachableReason } from '../core/outcome.js';

/**
 * Name why a connection failed, from what Node's socket or ssh2 reported.
 * Order matters: the most specific evidence first.
 */
export function classifyConnectError(err: unknown): { reason: UnreachableReason; message: string } {
  const e = (err ?? {}) as { code?: string; level?: string; message?: string; description?: string };
  const message = (e.message ?? String(err)).split('\n')[0]!;
  switch (e.code) {
    case 'ECONNREFUSED':
      return { reason: 'refused', message: 'connection refused' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return { reason: 'dns', message: `name lookup failed (${e.code})` };
    case 'ETIMEDOUT':
      return { reason: 'connect-timeout', message: 'TCP connect timed out' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { reason: 'connect-timeout', message: `no route to host (${e.code})` };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return { reason: 'reset', message: `connection reset (${e.code})` };
  }
  if (e.level === 'client-authentication') return { reason: 'auth', message: 'authentication refused: no offered key was accepted' };
  if (/timed out while waiting for handshake/i.test(message)) return { reason: 'connect-timeout', message: 'no SSH handshake in time' };
  if (/connection lost before handshake|socket (hung up|closed)/i.test(message)) return { reason: 'reset', message };
  return { reason: 'protocol', message };
}

/**
 * How far a connection got: `tcp` (no TCP answer yet), `banner` (TCP open, no byte of the
 * server's SSH identification yet), `handshake` (banner in, key exchange or auth going on).
 */
export type ConnectPhase = 'tcp' | 'banner' | 'handshake';

/** The deadline passed in `phase`. */
export function stalledIn(phase: ConnectPhase, timeoutMs: number): { reason: UnreachableReason; message: string } {
  switch (phase) {
    case 'tcp':
      return { reason: 'connect-timeout', message: `no TCP answer within ${timeoutMs} ms` };
    case 'banner':
      return { reason: 'banner-timeout', message: `TCP open, no SSH banner within ${timeoutMs} ms (a tarpit, or sshd too busy to answer)` };
    case 'handshake':
      return { reason: 'handshake-timeout', message: `SSH banner received, key exchange and authentication not done within ${timeoutMs} ms` };
  }
}

/**
 * The server closed or reset the connection in `phase`. Before its banner that is what
 * sshd does past MaxStartups (OpenSSH's client says `kex_exchange_identification: Connection
 * closed by remote host`): `throttled`, worth another try after a pause. Later it is a reset.
 */
export function closedIn(phase: ConnectPhase, detail?: string): { reason: UnreachableReason; message: string } {
  if (phase === 'banner') {
    return { reason: 'throttled', message: `connection closed by the host before its SSH banner${detail ? ` (${detail})` : ''}: sshd MaxStartups full?` };
  }
  return { reason: 'reset', message: detail ?? 'connection closed during handshake' };
}
