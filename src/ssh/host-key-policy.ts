import { appendKnownHost } from './known-hosts/append.js';
import { KnownHostsFiles } from './known-hosts/cache.js';
import { fingerprintSha256, keyTypeFromBlob } from './known-hosts/keys.js';
import { KnownHosts } from './known-hosts/verify.js';
import type { ResolvedHostConfig, StrictHostKeyChecking } from './config/types.js';
import type { LogSink } from '../core/log-sink.js';

export interface HostKeyCheck {
  /** The host as the operator named it, for messages. */
  label: string;
  /** Name to look up (HostKeyAlias or HostName) and its port. */
  host: string;
  port: number;
  key: Buffer;
  strict: StrictHostKeyChecking;
  cfg: ResolvedHostConfig;
}

export type HostKeyDecision = { ok: true } | { ok: false; message: string };

const knownHostsFiles = (cfg: ResolvedHostConfig): string[] => [...cfg.userKnownHostsFiles, ...cfg.globalKnownHostsFiles];

/**
 * StrictHostKeyChecking as OpenSSH applies it, minus every prompt:
 *   yes / ask  unknown and changed keys are refused (ask never prompts here)
 *   accept-new unknown keys are added to the first user known_hosts file; changed refused
 *   no         unknown keys are added; changed keys are accepted with a warning
 * A revoked key is refused whatever the setting.
 */
export class HostKeyPolicy {
  private loaded = new Map<string, Promise<KnownHosts>>();
  private readonly files = new KnownHostsFiles();
  constructor(private readonly log: LogSink) {}


  /**
   * Start reading the host's known_hosts files, so that they are parsed when its key arrives
   * (at connect; check() waits for the same read): read then, each file's stat, open and read
   * went one after the other through the thread pool in the middle of the key exchange.
   */
  prefetch(cfg: ResolvedHostConfig): void {
    this.knownHosts(knownHostsFiles(cfg)).catch(() => undefined); // check() sees any failure
  }

  async check(c: HostKeyCheck): Promise<HostKeyDecision> {
    const files = knownHostsFiles(c.cfg);
    const known = await this.knownHosts(files);
    let keyType: string;
    try {
      keyType = keyTypeFromBlob(c.key);
    } catch (err) {
      return { ok: false, message: `${c.label}: server sent a malformed host key (${String(err)})` };
    }
    const fp = fingerprintSha256(c.key);
    const verdict = known.verify(c.host, c.port, keyType, c.key);
    switch (verdict.status) {
      case 'match':
        return { ok: true };
      case 'revoked':
        return { ok: false, message: `${c.label}: host key ${keyType} ${fp} is REVOKED in ${verdict.file}:${verdict.line}` };
      case 'changed':
        if (c.strict === 'no') {
          this.log.warn(`${c.label}: host key changed (${verdict.file}:${verdict.line}); accepted because StrictHostKeyChecking=no`);
          return { ok: true };
        }
        return {
          ok: false,
          message: `${c.label}: host key CHANGED: server offers ${keyType} ${fp}, ${verdict.file}:${verdict.line} holds another (refused; remove the old line if the change is expected)`,
        };
      case 'unknown': {
        const file = c.cfg.userKnownHostsFiles[0];
        if ((c.strict === 'accept-new' || c.strict === 'no') && file) {
          await appendKnownHost(file, c.host, c.port, keyType, c.key, { hash: c.cfg.hashKnownHosts === true, files: this.files });
          this.loaded.delete(files.join('\0')); // the next host sees the new line
          this.log.info(`${c.label}: added ${keyType} ${fp} to ${file}`);
          return { ok: true };
        }
        return {
          ok: false,
          message: `${c.label}: host key ${keyType} ${fp} is not in ${files.filter(Boolean).join(', ') || 'any known_hosts file'} (refused; use --accept-new-host-keys or StrictHostKeyChecking accept-new)`,
        };
      }
    }
  }

  private knownHosts(files: string[]): Promise<KnownHosts> {
    const key = files.join('\0');
    let p = this.loaded.get(key);
    if (!p) {
      p = KnownHosts.load(files, this.files);
      this.loaded.set(key, p);
    }
    return p;
  }
}
