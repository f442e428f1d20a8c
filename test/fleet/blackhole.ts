/**
 * Blackhole hosts for the test fleet: accept TCP connections and never send a byte.
 * An SSH client connects fine and then waits for a banner that never comes, which
 * is what a hung sshd or a wedged host looks like from the client side.
 *
 * Usage: node blackhole.js <pidfile> <port> <address>...
 * Runs detached from the fleet starter; writes <pidfile> once every address listens.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { rename, writeFile } from 'node:fs/promises';

const [pidFile, portArg, ...addresses] = process.argv.slice(2);
const port = Number(portArg);
if (!pidFile || !Number.isInteger(port) || addresses.length === 0) {
  process.stderr.write('usage: blackhole.js <pidfile> <port> <address>...\n');
  process.exit(2);
}

// Held so the peer sees an open, silent connection rather than a close.
const held = new Set<Socket>();

function listen(address: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((sock) => {
      held.add(sock);
      sock.on('error', () => undefined); // peers give up with RST; nothing to report
      sock.on('close', () => held.delete(sock));
      // Reading keeps the kernel receive buffer drained; we ignore what arrives.
      sock.resume();
    });
    server.once('error', reject);
    // A large backlog so bursts of clients are accepted, not SYN-dropped:
    // the tests want "connected, no banner", not "connect timeout".
    server.listen({ host: address, port, backlog: 4096 }, () => resolve(server));
  });
}

try {
  await Promise.all(addresses.map(listen));
} catch (err) {
  process.stderr.write(`blackhole: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

// Atomic so a reader never sees an empty pid file.
await writeFile(`${pidFile}.tmp`, `${process.pid}\n`);
await rename(`${pidFile}.tmp`, pidFile);

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => process.exit(0));
