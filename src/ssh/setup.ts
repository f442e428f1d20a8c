/**
 * SSH settings as a library caller (or the CLI) gives them, turned into the SshContext every
 * connection of a run shares: OpenSSH config file first, the caller's overrides on top.
 */
import type { LogSink } from '../core/log-sink.js';
import { SshContext, type SshOverrides } from './connect.js';
import { commandLineOptions } from './config/cmdline.js';
import { loadSshConfig } from './config/load.js';
import type { StrictHostKeyChecking } from './config/types.js';

export interface SshOptions {
  /** OpenSSH client config; default ~/.ssh/config, then /etc/ssh/ssh_config. */
  sshConfigFile?: string;
  /** OpenSSH options as `ssh -o` takes them (`Key=Value`), read before the config file: they win. */
  sshOptions?: string[];
  /** Remote user (a user@ in the host list wins). */
  user?: string;
  /** Remote port (a :port in the host list wins). */
  port?: number;
  /** Private keys tried before the config's. */
  identityFiles?: string[];
  /** TCP + SSH handshake + auth per host; default the config's ConnectTimeout, else 10 s. */
  connectTimeoutMs?: number;
  strictHostKeyChecking?: StrictHostKeyChecking;
  compress?: boolean;
}

/** The context and the config's warnings (unsupported keywords and the like), for the caller to show or log. */
export async function createSshContext(o: SshOptions, tuning: Pick<SshOverrides, 'batchWrites'> & { log?: LogSink } = {}): Promise<{ ssh: SshContext; warnings: string[] }> {
  const { log, ...overrides } = tuning;
  const config = await loadSshConfig(o.sshConfigFile);
  if (o.sshOptions?.length) config.files.unshift(commandLineOptions(o.sshOptions));
  const ssh = new SshContext(config, {
    ...overrides,
    ...(o.user ? { user: o.user } : {}),
    ...(o.port ? { port: o.port } : {}),
    ...(o.identityFiles?.length ? { identityFiles: o.identityFiles } : {}),
    ...(o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
    ...(o.strictHostKeyChecking ? { strictHostKeyChecking: o.strictHostKeyChecking } : {}),
    ...(o.compress ? { compress: true } : {}),
  }, log);
  return { ssh, warnings: ssh.config.warnings };
}
