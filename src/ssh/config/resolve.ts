/**
 * Resolving: walking the parsed blocks for one host, where Match conditions see the values
 * obtained so far, then filling in ssh's defaults and expanding tokens (`ssh -G host`).
 */
import { createHash } from 'node:crypto';
import { hostname as osHostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { apply, type State } from './apply.js';
import { LineError } from './lexer.js';
import { matchPatternListResult, splitPatternList } from '../host-patterns.js';
import { REFUSED_KEYWORDS } from './keywords.js';
import { evalMatch, hostLineMatches } from './match.js';
import { badOption } from './parse.js';
import { expandTilde } from './paths.js';
import { expandHostName, expandTokens, type Located } from './tokens.js';
import type { ConfigFile, IdentityFileRef, ResolvedHostConfig, SshConfig } from './types.js';

const DEFAULT_IDENTITY_NAMES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];
const DEFAULT_GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];

export interface ResolveOptions {
  /** Remote user from the command line (`-l`, `user@host`): wins over the config's User. */
  user?: string;
  /** Port from the command line (`-p`): wins over the config's Port. */
  port?: number;
  /** Identity files from the command line (`-i`): tried first; they suppress the defaults. */
  identityFiles?: string[];
  /** Local user name (%u, Match localuser, default %r); default: the process's user. */
  localUser?: string;
  /** Local host name (%l, %L, %C); default: os.hostname(). */
  localHostname?: string;
}

interface Ctx {
  originalHost: string;
  localUser: string;
  /** ssh's second reading, asked for by `Match final`. */
  finalPass: boolean;
  wantFinalPass: boolean;
}

function currentHostForMatch(st: State, ctx: Ctx): string {
  return st.hostName ? expandHostName(st.hostName, ctx.originalHost) : ctx.originalHost;
}

function walk(
  file: ConfigFile,
  st: State,
  ctx: Ctx,
  neverMatch: boolean,
  active: { v: boolean },
): void {
  for (const e of file.entries) {
    switch (e.kind) {
      case 'host':
        active.v = !neverMatch && hostLineMatches(e.patterns, ctx.originalHost);
        break;
      case 'match': {
        const r = evalMatch(e.criteria, {
          host: () => currentHostForMatch(st, ctx),
          originalHost: ctx.originalHost,
          user: st.user?.value ?? ctx.localUser,
          localUser: ctx.localUser,
          finalPass: ctx.finalPass,
          wantFinalPass: () => (ctx.wantFinalPass = true),
        });
        if (r === 'exec' && !neverMatch) st.refusedMatch ??= `${file.source}:${e.line}: Match exec is not supported by lwt (it runs no local command to pick a block)`;
        active.v = !neverMatch && r === true;
        break;
      }
      case 'include': {
        const outer = active.v;
        for (const inc of e.files ?? []) {
          // An Include in an inactive block reads the file but lets none of its blocks apply;
          // Host/Match lines inside an included file do not leak into the including file.
          walk(inc, st, ctx, neverMatch || !outer, active);
          active.v = outer;
        }
        break;
      }
      case 'option':
        if (active.v) apply(st, e.option, file.source, e.line);
        break;
      case 'refused': {
        const key = e.keyword.toLowerCase();
        if (active.v && !st.refusedSeen.has(key)) st.refusedSeen.set(key, { value: e.value, at: `${file.source}:${e.line}` });
        break;
      }
      case 'unknown':
        // Reached only when some IgnoreUnknown exists (refuseUnknownKeywords): ssh checks the
        // keyword against the IgnoreUnknown obtained so far, in any block.
        if (st.ignoreUnknown === undefined || matchPatternListResult(e.keyword.toLowerCase(), splitPatternList(st.ignoreUnknown.toLowerCase())) !== 1) {
          throw badOption(file.source, e.line, e.keyword);
        }
        break;
    }
  }
}

/** Resolve the options that apply to `host` (the name as typed), as `ssh -G host` would. */
export function resolveHost(cfg: SshConfig, host: string, opts: ResolveOptions = {}): ResolvedHostConfig {
  const home = cfg.home;
  const localUser = opts.localUser ?? safeUserName();
  const st: State = { identityFiles: [], refusedSeen: new Map() };
  const cmdline = 'command line';
  if (opts.user !== undefined) st.user = { value: opts.user, source: cmdline, line: 0 };
  if (opts.port !== undefined) st.port = { value: opts.port, source: cmdline, line: 0 };
  for (const f of opts.identityFiles ?? []) apply(st, { key: 'identityFile', value: f }, cmdline, 0);
  const ctx: Ctx = { originalHost: host, localUser, finalPass: false, wantFinalPass: false };
  for (const file of cfg.files) walk(file, st, ctx, false, { v: true });
  if (ctx.wantFinalPass) {
    // ssh's final pass: HostName is fixed to the expanded, lowercased name first (so `Match
    // host` sees it), then every file is read again; values obtained before still win.
    const fixed = (st.hostName ? expandHostName(st.hostName, host) : host).toLowerCase();
    st.hostName = { value: fixed.replace(/%/g, '%%'), source: 'final pass', line: 0 };
    ctx.finalPass = true;
    for (const file of cfg.files) walk(file, st, ctx, false, { v: true });
  }

  const hostName = (st.hostName ? expandHostName(st.hostName, host) : host).toLowerCase();
  const port = st.port?.value;
  const remoteUser = st.user?.value ?? localUser;
  const localHost = opts.localHostname ?? osHostname();
  const portStr = String(port ?? 22);
  const tokens: Record<string, () => string> = {
    C: () => createHash('sha1').update(localHost + hostName + portStr + remoteUser).digest('hex'),
    d: () => home,
    h: () => hostName,
    i: () => String(process.getuid?.() ?? 0),
    k: () => st.hostKeyAlias ?? host,
    L: () => localHost.split('.')[0] ?? localHost,
    l: () => localHost,
    n: () => host,
    p: () => portStr,
    r: () => remoteUser,
    u: () => localUser,
  };
  const expandPath = (v: Located<string>, keyword: string): string => {
    let tilded: string;
    try {
      tilded = expandTilde(v.value, home);
    } catch (err) {
      if (err instanceof LineError) {
        throw new UsageError(`${v.line > 0 ? `${v.source}:${v.line}` : v.source}: ${keyword}: ${err.message}`);
      }
      throw err;
    }
    return expandTokens({ ...v, value: tilded }, tokens, true, keyword);
  };

  // `IdentityFile none` names no file, but like any IdentityFile it keeps the defaults away.
  const identities: IdentityFileRef[] =
    st.identityFiles.length > 0
      ? st.identityFiles.filter((f) => f.value.toLowerCase() !== 'none').map((f) => ({ path: expandPath(f, 'IdentityFile'), explicit: true }))
      : DEFAULT_IDENTITY_NAMES.map((n) => ({ path: join(home, '.ssh', n), explicit: false }));

  let userKnownHostsFiles: string[];
  if (st.userKnownHostsFiles === undefined) {
    userKnownHostsFiles = [join(home, '.ssh', 'known_hosts'), join(home, '.ssh', 'known_hosts2')];
  } else if (st.userKnownHostsFiles.value[0]?.toLowerCase() === 'none') {
    userKnownHostsFiles = [];
  } else {
    const loc = st.userKnownHostsFiles;
    userKnownHostsFiles = loc.value.map((v) => expandPath({ ...loc, value: v }, 'UserKnownHostsFile'));
  }
  let globalKnownHostsFiles: string[];
  if (st.globalKnownHostsFiles === undefined) globalKnownHostsFiles = [...DEFAULT_GLOBAL_KNOWN_HOSTS];
  else if (st.globalKnownHostsFiles[0]?.toLowerCase() === 'none') globalKnownHostsFiles = [];
  else globalKnownHostsFiles = [...st.globalKnownHostsFiles];

  let identityAgent: string | undefined;
  if (st.identityAgent !== undefined) {
    const raw = st.identityAgent.value;
    if (raw === 'none') identityAgent = 'none';
    else if (raw === 'SSH_AUTH_SOCK') identityAgent = process.env.SSH_AUTH_SOCK ?? 'none';
    else if (raw.startsWith('$') && !raw.startsWith('${')) identityAgent = process.env[raw.slice(1)] ?? 'none';
    else identityAgent = expandPath(st.identityAgent, 'IdentityAgent');
  }

  const out: ResolvedHostConfig = {
    hostName,
    identityFiles: identities.map((i) => i.path),
    identities,
    identitiesOnly: st.identitiesOnly ?? false,
    userKnownHostsFiles,
    globalKnownHostsFiles,
    strictHostKeyChecking: st.strictHostKeyChecking ?? 'ask',
  };
  if (st.user !== undefined) out.user = st.user.value;
  if (port !== undefined) out.port = port;
  if (st.connectTimeout?.value !== undefined) out.connectTimeoutSec = st.connectTimeout.value;
  if (st.serverAliveInterval?.value !== undefined) out.serverAliveIntervalSec = st.serverAliveInterval.value;
  if (st.serverAliveCountMax !== undefined) out.serverAliveCountMax = st.serverAliveCountMax;
  if (st.proxy?.kind === 'jump' && st.proxy.value.toLowerCase() !== 'none') out.proxyJump = st.proxy.value;
  if (st.proxy?.kind === 'command' && st.proxy.value !== 'none') out.proxyCommand = st.proxy.value;
  if (st.compression !== undefined) out.compression = st.compression;
  if (st.batchMode !== undefined) out.batchMode = st.batchMode;
  if (identityAgent !== undefined) out.identityAgent = identityAgent;
  if (st.hashKnownHosts !== undefined) out.hashKnownHosts = st.hashKnownHosts;
  if (st.hostKeyAlias !== undefined) out.hostKeyAlias = st.hostKeyAlias;
  const refused = refusal(st);
  if (refused !== undefined) out.refused = refused;
  return out;
}

/** The first reason lwt must not connect as configured: a Match exec, or a refused keyword's value. */
function refusal(st: State): string | undefined {
  if (st.refusedMatch !== undefined) return st.refusedMatch;
  for (const [key, seen] of st.refusedSeen) {
    const rule = REFUSED_KEYWORDS.get(key);
    if (!rule || rule.harmless.includes(seen.value.toLowerCase())) continue;
    return `${seen.at}: ${rule.name} ${seen.value} is not supported by lwt`;
  }
  return undefined;
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? 'root';
  }
}
