/** Authentication methods for one host, in OpenSSH's order: agent keys, then identity files. */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { LogSink } from '../core/log-sink.js';
import type { ResolvedHostConfig } from './config/types.js';
import { loadIdentities, type IdentityCache, type IdentityLoadResult } from './identity.js';
import { fastSigner } from './signer.js';
import { agentKeyBlobs, filteredAgent, type AnyAuthMethod } from './vendor.js';

let cachedUser: string | undefined;

/** ssh's default remote user: the local one. */
export function localUser(): string {
  if (cachedUser === undefined) {
    try {
      cachedUser = userInfo().username;
    } catch {
      cachedUser = process.env.USER ?? 'root';
    }
  }
  return cachedUser;
}

/**
 * The auth methods of the connections of one run. Each set of identity files is loaded once:
 * an encrypted key costs ~280 ms of bcrypt per parse. A warning about a key is given once per
 * run, not once per host.
 */
export class AuthMethods {
  private identities = new Map<string, Promise<IdentityLoadResult>>();
  private readonly keyFiles: IdentityCache = new Map();
  private agents = new Map<string, Promise<Buffer[]>>();
  private readonly warned = new Set<string>();
  constructor(private readonly log: LogSink) {}

  /** The methods to offer `cfg`'s host. A string explains why there are none. */
  async for(cfg: ResolvedHostConfig): Promise<AnyAuthMethod[] | string> {
    const username = cfg.user ?? localUser();
    const methods: AnyAuthMethod[] = [];
    const agent = cfg.identityAgent === 'none' ? undefined : (cfg.identityAgent ?? process.env.SSH_AUTH_SOCK);
    const agentUsable = agent !== undefined && agent !== '' && existsSync(agent);
    const key = cfg.identities.map((i) => `${i.explicit ? '!' : ''}${i.path}`).join('\0');
    let loading = this.identities.get(key);
    if (!loading) {
      loading = loadIdentities(cfg.identities, { cache: this.keyFiles });
      this.identities.set(key, loading);
    }
    const { keys, problems, locked } = await loading;
    const held = agentUsable ? await this.agentBlobs(agent) : [];
    const inAgent = (blob: Buffer | undefined): boolean => blob !== undefined && held.some((h) => h.equals(blob));
    if (agentUsable) {
      if (!cfg.identitiesOnly) {
        methods.push({ type: 'agent', username, agent });
      } else {
        // IdentitiesOnly: ssh still signs with the agent's copy of a configured identity (an
        // encrypted key the agent holds); it offers no other agent key.
        const wanted = [...keys.map((k) => k.publicKeyBlob), ...locked.flatMap((l) => (l.publicKeyBlob ? [l.publicKeyBlob] : []))];
        if (wanted.some(inAgent)) methods.push({ type: 'agent', username, agent: filteredAgent(agent, (b) => wanted.some((w) => w.equals(b))) });
      }
    }
    // A locked key the agent holds is no problem: the agent signs with it.
    const solved = new Set(locked.filter((l) => inAgent(l.publicKeyBlob)).map((l) => l.problem));
    const real = problems.filter((p) => !solved.has(p));
    for (const k of keys) methods.push({ type: 'publickey', username, key: fastSigner(k.parsed) });
    if (methods.length === 0) {
      return real.length > 0 ? real.join('; ') : 'no identity file found and no ssh-agent (give -i KEY or start ssh-agent)';
    }
    for (const p of real) {
      if (this.warned.has(p)) continue;
      this.warned.add(p);
      this.log.warn(p);
    }
    return methods;
  }

  private agentBlobs(socket: string): Promise<Buffer[]> {
    let p = this.agents.get(socket);
    if (!p) {
      p = agentKeyBlobs(socket);
      this.agents.set(socket, p);
    }
    return p;
  }
}
