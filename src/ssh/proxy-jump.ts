/** ProxyJump: one shared connection per jump host, and a forwarded TCP channel per target. */
import type { Readable } from 'node:stream';
import { parseHostSpec, type HostSpec } from '../hosts/host-spec.js';
import type { ResolvedHostConfig } from './config/types.js';
import { fail, type ConnectResult } from './connect-result.js';

/**
 * Connect to a jump host: directly when `chain` is undefined, else through `chain` (the
 * comma-separated hops before it).
 */
export type ReachJumpHost = (spec: HostSpec, chain: string | undefined, signal: AbortSignal | undefined) => Promise<ConnectResult>;

export class JumpHosts {
  private jumps = new Map<string, Promise<ConnectResult>>();

  constructor(private readonly reach: ReachJumpHost) {}

  /** A stream to `cfg`'s host through its ProxyJump chain (which must be set). */
  async open(
    cfg: ResolvedHostConfig,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<{ sock: Readable } | Extract<ConnectResult, { ok: false }>> {
    // Several comma-separated hops: the last one is reached through the ones before, via
    // its own config (so each hop's ProxyJump chain resolves the same way).
    const hops = cfg.proxyJump!.split(',').map((h) => h.trim()).filter(Boolean);
    const last = hops.at(-1)!;
    let jump = this.jumps.get(cfg.proxyJump!);
    if (!jump) {
      let spec: HostSpec;
      try {
        spec = parseHostSpec(last.replace(/^ssh:\/\//, ''));
      } catch {
        return fail('protocol', `bad ProxyJump '${cfg.proxyJump}'`);
      }
      const before = hops.slice(0, -1);
      jump = this.reach(spec, before.length > 0 ? before.join(',') : undefined, signal);
      this.jumps.set(cfg.proxyJump!, jump);
    }
    const j = await jump;
    if (!j.ok) return fail(j.outcome.reason, `via jump host ${last}: ${j.outcome.message}`);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(fail('connect-timeout', `jump host ${last} did not open a channel in time`)), timeoutMs);
      j.client.forwardOut('127.0.0.1', 0, cfg.hostName, cfg.port ?? 22, (err, stream) => {
        clearTimeout(timer);
        if (err) resolve(fail('refused', `jump host ${last} could not reach ${cfg.hostName}:${cfg.port ?? 22}: ${err.message}`));
        else resolve({ sock: stream });
      });
    });
  }

  /** Close the shared jump connections. */
  async close(): Promise<void> {
    for (const j of this.jumps.values()) {
      const r = await j;
      if (r.ok) r.client.end();
    }
    this.jumps.clear();
  }
}
