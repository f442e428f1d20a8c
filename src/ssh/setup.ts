/**
 * SSH settings as a library caller (or the CLI) gives them, turned into the SshContext every
 * connection of a run shares: OpenSSH config file first, the caller's overrides on top.
 */
import type { LogSink } from '../core/log-sink.js';
import { SshContext, type SshOverrides } from './connect.js';
import { commandLineOptions } from './config/cmdline.js';
import { loadSshConfig } from './config/load.js';

/** The operator's side of SSH: a config file, `-o` options, and the overrides every connection takes. */
export type SshOptions = {
  /** OpenSSH client config; default ~/.ssh/config, then /etc/ssh/ssh_config. */
  sshConfigFile?: string;
  /** OpenSSH options as `ssh -o` takes them (`Key=Value`), read before the config file: they win. */
  sshOptions?: string[];
} & Pick<SshOverrides, 'user' | 'port' | 'identityFiles' | 'connectTimeoutMs' | 'handshakes' | 'strictHostKeyChecking' | 'compress'>;

/** The context and the config's warnings (unsupported keywords and the like), for the caller to show or log. */
export async function createSshContext(o: SshOptions, tuning: Pick<SshOverrides, 'batchWrites'> & { log?: LogSink } = {}): Promise<{ ssh: SshContext; warnings: string[] }> {
  const { log, ...overrides } = tuning;
  const config = await loadSshConfig(o.sshConfigFile);
  if (o.sshOptions?.length) config.files.unshift(commandLineOptions(o.sshOptions));
  const { sshConfigFile: _f, sshOptions: _o, ...given } = o;
  // Only what was given: an undefined key must not hide the config's value.
  const chosen = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));
  const ssh = new SshContext(config, { ...overrides, ...chosen }, log);
  return { ssh, warnings: ssh.config.warnings };
}
