/** Authentication methods for one host, in OpenSSH's order: agent keys, then identity files. */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { LogSink } from '../core/log-sink.js';
import type { ResolvedHostConfig } from './config/types.js';
import { loadIdentities, type IdentityCache, type LoadedIdentity } from './identity.js';
import { fastSigner } from './signer.js';
import type { AnyAuthMethod } from './vendor.js';

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
 * an encrypted key costs ~280 ms of bcrypt per parse.
 */
export class AuthMethods {
  private identities = new Map<string, Promise<{ keys: LoadedIdentity[]; problems: string[] }>>();
  private readonly keyFiles: IdentityCache = new Map();
  constructor(private readonly log: LogSink) {}


  /** The methods to offer `cfg`'s host. A string explains why there are none. */
  async for(cfg: ResolvedHostConfig): Promise<AnyAuthMethod[] | string> {
    const username = cfg.user ?? localUser();
    const methods: AnyAuthMethod[] = [];
    const agent = cfg.identityAgent === 'none' ? undefined : (cfg.identityAgent ?? process.env.SSH_AUTH_SOCK);
    const agentUsable = agent !== undefined && agent !== '' && existsSync(agent);
    // IdentitiesOnly restricts the agent to the configured keys; we skip the agent then, which
    // is stricter than ssh but never offers a key the operator did not name.
    if (agentUsable && !cfg.identitiesOnly) methods.push({ type: 'agent', username, agent });
    const key = cfg.identities.map((i) => `${i.explicit ? '!' : ''}${i.path}`).join('\0');
    let loading = this.identities.get(key);
    if (!loading) {
      loading = loadIdentities(cfg.identities, { cache: this.keyFiles });
      this.identities.set(key, loading);
    }
    const { keys, problems } = await loading;
    for (const k of keys) methods.push({ type: 'publickey', username, key: fastSigner(k.parsed) });
    if (methods.length === 0) {
      return problems.length > 0 ? problems.join('; ') : 'no identity file found and no ssh-agent (give -i KEY or start ssh-agent)';
    }
    for (const p of problems) this.log.warn(p);
    return methods;
  }
}
