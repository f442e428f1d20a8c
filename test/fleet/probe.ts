/**
 * TCP probes: "is anything on address:port?" before starting, "is it up yet?" after.
 */
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { endianness } from 'node:os';

export type ProbeResult = 'refused' | 'connected' | 'banner' | 'timeout' | `error:${string}`;

/**
 * Connect to address:port. With `wantBanner`, wait for the first bytes and
 * report 'banner' only if they start with "SSH-": a TCP accept alone would
 * also succeed while sshd is still loading keys in the pre-auth child.
 */
export function probe(address: string, port: number, timeoutMs: number, wantBanner: boolean): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = connect({ host: address, port });
    let done = false;
    const finish = (r: ProbeResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    sock.on('connect', () => {
      if (!wantBanner) return finish('connected');
      // Send our own identification first: sshd logs a probe that hangs up before
      // identifying itself as an error ("kex_exchange_identification: Connection
      // closed"), one that hangs up during key exchange only at INFO level.
      sock.write('SSH-2.0-lwt-fleet-probe\r\n');
    });
    let got = '';
    sock.on('data', (chunk: Buffer) => {
      got += chunk.toString('latin1');
      if (got.length < 4) return;
      finish(got.startsWith('SSH-') ? 'banner' : `error:unexpected greeting ${JSON.stringify(got.slice(0, 40))}`);
    });
    sock.on('end', () => finish('error:closed before banner'));
    sock.on('error', (err: NodeJS.ErrnoException) =>
      finish(err.code === 'ECONNREFUSED' ? 'refused' : `error:${err.code ?? err.message}`),
    );
  });
}

/** Run `fn` over `items` with at most `limit` in flight; results keep input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Poll until `address:port` answers the way `want` says, or `deadline` (epoch ms)
 * passes; returns the last result. `abort()` true stops early (a process died).
 */
export async function waitUp(
  address: string,
  port: number,
  want: 'banner' | 'connected',
  deadline: number,
  abort: () => boolean,
): Promise<ProbeResult> {
  for (;;) {
    const left = deadline - Date.now();
    const r = await probe(address, port, Math.max(50, Math.min(1000, left)), want === 'banner');
    if (r === want || abort() || Date.now() >= deadline) return r;
    await new Promise((res) => setTimeout(res, 50));
  }
}

/**
 * IPv4 `address:port` pairs in LISTEN state, from /proc/net/tcp. Checking this costs
 * the servers nothing, while every TCP probe makes sshd fork and re-exec a child
 * (about 7 ms of CPU each: 500 probes were most of a 4 s start on two cores).
 */
export async function listeningSockets(): Promise<Set<string>> {
  const text = await readFile('/proc/net/tcp', 'utf8');
  const out = new Set<string>();
  for (const line of text.split('\n').slice(1)) {
    const [, local, , state] = line.trim().split(/\s+/);
    if (state !== '0A' || !local) continue;
    const [ipHex, portHex] = local.split(':');
    if (!ipHex || !portHex) continue;
    // The kernel prints the address as a native-endian 32-bit word.
    const bytes = (ipHex.match(/../g) ?? []).map((h) => parseInt(h, 16));
    if (endianness() === 'LE') bytes.reverse();
    out.add(`${bytes.join('.')}:${parseInt(portHex, 16)}`);
  }
  return out;
}
