/**
 * The network half of connecting: a TCP connection and the start of the server's SSH
 * banner, within the connect deadline (what OpenSSH's ConnectTimeout covers). It is done
 * before the handshake gate: waiting for a silent host costs no CPU, so a list with dead
 * hosts in it must not hold handshake slots. The bytes read stay in the socket for ssh2.
 */
import { connect, type Socket } from 'node:net';
import { classifyConnectError } from './classify-error.js';
import { ConnectClock } from './connect-clock.js';
import { fail, type ConnectResult } from './connect-result.js';

export type Reached = { ok: true; sock: Socket } | Extract<ConnectResult, { ok: false }>;

export function reachSshd(label: string, host: string, port: number, timeoutMs: number, signal: AbortSignal | undefined): Promise<Reached> {
  return new Promise<Reached>((resolve) => {
    let settled = false;
    const received: Buffer[] = [];
    const sock = connect({ host, port });
    const finish = (r: Reached): void => {
      if (settled) return;
      settled = true;
      clock.stop();
      sock.off('close', onClose);
      sock.off('data', onData);
      if (!r.ok) sock.destroy();
      resolve(r);
    };
    const clock = new ConnectClock(label, timeoutMs, 'tcp', signal, finish);
    const onClose = (): void => finish(clock.closed());
    sock.once('connect', () => {
      clock.phase = 'banner';
      // ssh2 leaves Nagle on: its small handshake writes would each wait for a delayed ACK.
      sock.setNoDelay(true);
    });
    const onData = (chunk: Buffer): void => {
      received.push(chunk);
      if (!clock.feed(chunk)) return;
      // Put the bytes back and stop the flow: ssh2 reads them when the handshake starts.
      sock.pause();
      sock.unshift(received.length === 1 ? chunk : Buffer.concat(received));
      finish({ ok: true, sock });
    };
    sock.on('data', onData);
    // Stays for the socket's life: an error while the socket waits for a handshake slot (no
    // other listener yet) must not take the process down; the handshake then sees it closed.
    sock.on('error', (err: NodeJS.ErrnoException) => {
      if (settled) return;
      // A reset can beat the 'connect' event; it still means the connection was accepted.
      if (err.code === 'ECONNRESET') clock.phase = 'banner';
      if (clock.phase === 'banner') return finish(clock.closed(err.code ?? err.message));
      const c = classifyConnectError(err);
      finish(fail(c.reason, `${label}: ${c.message}`));
    });
    sock.once('close', onClose);
  });
}
