/**
 * Hosts that are not OpenSSH, for outcomes a healthy sshd never produces: a TCP service that
 * answers garbage after an SSH banner (lwt: unreachable (protocol)), and a real SSH server
 * (ssh2's, speaking the protocol over TCP) whose session channel closes without an exit
 * status (lwt: no-status). lwt is run unchanged against them, as against the fleet.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';

// ssh2 ships no ESM entry and the project reaches it only through src/ssh/vendor.ts.
const require = createRequire(import.meta.url);

export interface FakeHosts {
  /** `ssh_config` reaching both hosts (port, user, key, known_hosts). */
  sshConfig: string;
  garbage: string;
  noStatus: string;
  stop(): Promise<void>;
}

/** Listen on `port` of two loopback addresses; files (keys, config) go into `dir`. */
export async function startFakeHosts(dir: string, port: number, garbage: string, noStatus: string): Promise<FakeHosts> {
  const hostKey = join(dir, 'fake-host-key');
  const clientKey = join(dir, 'fake-client-key');
  for (const k of [hostKey, clientKey]) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', k]);
  const pub = (await readFile(`${hostKey}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
  await writeFile(join(dir, 'fake-known-hosts'), `[${noStatus}]:${port} ${pub}\n[${garbage}]:${port} ${pub}\n`);
  const sshConfig = join(dir, 'fake-ssh-config');
  await writeFile(
    sshConfig,
    ['Host *', `  Port ${port}`, '  User anyone', `  IdentityFile ${clientKey}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${join(dir, 'fake-known-hosts')}`, '  GlobalKnownHostsFile /dev/null', ''].join('\n'),
  );

  // Every connection, so that stop() can end them: a server's close waits for its connections.
  const open = new Set<{ destroy(): void }>();
  const junk = createServer((s) => {
    open.add(s);
    s.on('error', () => undefined);
    s.end('SSH-2.0-junk\r\n\x00\x00\x00\x10this is not an SSH packet at all\r\n');
  });
  const { Server: SshServer } = require('ssh2') as typeof import('ssh2');
  const ssh = new SshServer({ hostKeys: [await readFile(hostKey)] }, (client) => {
    open.add({ destroy: () => (client as unknown as { _sock?: { destroy(): void } })._sock?.destroy() });
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => ctx.accept());
    client.on('ready', () =>
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec) => {
          const channel = acceptExec();
          channel.write('partial\n');
          // Closed on a live connection, with neither exit-status nor exit-signal.
          setTimeout(() => channel.close(), 50);
        });
      }),
    );
  });
  const listen = (s: Server | InstanceType<typeof SshServer>, address: string): Promise<void> =>
    new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, address, () => resolve());
    });
  await listen(junk, garbage);
  await listen(ssh, noStatus);
  return {
    sshConfig,
    garbage,
    noStatus,
    stop: async () => {
      const closed = Promise.all([new Promise<void>((resolve) => junk.close(() => resolve())), new Promise<void>((resolve) => ssh.close(() => resolve()))]);
      for (const c of open) c.destroy();
      await closed;
    },
  };
}
