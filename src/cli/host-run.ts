/**
 * The set-up every verb that reaches hosts over SSH shares (exec-all, put-all, get-all):
 * the SshContext from flags and settings, the run journal, the "N hosts from SOURCE" line.
 */
import type { Settings } from '../config.js';
import type { HostSpec } from '../hosts/host-spec.js';
import { logger } from '../log.js';
import type { Screen } from '../output/screen.js';
import { RunJournal, type RunMeta } from '../runs/journal.js';
import { createSshContext } from '../ssh/setup.js';
import type { SshContext, SshOverrides } from '../ssh/connect.js';
import type { StrictHostKeyChecking } from '../ssh/config/types.js';

/** The flags addHostOptions() declares that shape the SSH connections. */
export interface SshFlags {
  sshConfig?: string;
  /** -O, repeatable */
  sshOption?: string[];
  login?: string;
  identity?: string[];
  port?: number;
  connectTimeout?: number;
  handshakes?: number;
  strictHostKeyChecking?: StrictHostKeyChecking;
  acceptNewHostKeys?: boolean;
  compress?: boolean;
}

export const DEFAULT_CONNECT_TIMEOUT_SEC = 10;

/** OpenSSH config plus the operator's overrides (flag > lwt config > ssh_config); config warnings go to the log. */
export async function sshContextFrom(flags: SshFlags, settings: Settings, verb: string, extra: Pick<SshOverrides, 'batchWrites'> = {}): Promise<SshContext> {
  const sshConfigFile = flags.sshConfig ?? settings.sshConfig;
  const strict = flags.strictHostKeyChecking ?? (flags.acceptNewHostKeys ? 'accept-new' : undefined);
  const connectTimeout = flags.connectTimeout ?? settings.connectTimeout;
  const handshakes = flags.handshakes ?? settings.handshakes;
  const { ssh } = await createSshContext(
    {
      ...(sshConfigFile ? { sshConfigFile } : {}),
      ...(flags.sshOption?.length ? { sshOptions: flags.sshOption } : {}),
      ...(flags.login ? { user: flags.login } : {}),
      ...(flags.port ? { port: flags.port } : {}),
      ...(flags.identity ? { identityFiles: flags.identity } : {}),
      // Only a flag or the lwt config overrides the host's ConnectTimeout; the built-in default
      // (DEFAULT_CONNECT_TIMEOUT_SEC, applied in SshContext) comes last.
      ...(connectTimeout !== undefined ? { connectTimeoutMs: connectTimeout * 1000 } : {}),
      ...(handshakes !== undefined ? { handshakes } : {}),
      ...(strict ? { strictHostKeyChecking: strict } : {}),
      ...(flags.compress ? { compress: true } : {}),
    },
    { ...extra, log: logger('ssh') },
  );
  for (const w of ssh.config.warnings) logger(verb).info(w);
  return ssh;
}

/** A journal for this run, or none (with a warning) when the home cannot hold one. */
export async function openJournal(home: string, meta: Omit<RunMeta, 'id' | 'startedAt'>): Promise<RunJournal | undefined> {
  return RunJournal.create(home, meta).catch((err: unknown) => {
    logger(meta.verb).warn(`no run journal: ${String(err)}`);
    return undefined;
  });
}

/** "lwt: 20 hosts from hosts/ok" on stderr, unless the output is JSON or -q. */
export function announceHosts(screen: Screen, hosts: readonly HostSpec[] | readonly string[], source: string, quiet: boolean): void {
  if (quiet) return;
  screen.err(`lwt: ${hosts.length} host${hosts.length === 1 ? '' : 's'} from ${source}\n`);
}
