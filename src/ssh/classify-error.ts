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
