/**
 * ssh_config(5) as OpenSSH's ssh(1) reads it, for the subset of keywords lwt uses.
 *
 * Reading is split in two, as OpenSSH's semantics require: parsing (syntax, value checks and
 * Include, independent of the host: a bad value in a block that never applies still fails, as in
 * ssh) and resolving (walking the blocks for one host, where Match conditions see the values
 * obtained so far and the first obtained value of each keyword wins).
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { homedir, hostname as osHostname, userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { matchPattern, matchPatternListResult, splitPatternList } from './host-patterns.js';

export type StrictHostKeyChecking = 'yes' | 'no' | 'accept-new' | 'ask';

/** An identity file to try, and whether the operator named it (a missing default is skipped silently). */
export interface IdentityFileRef {
  path: string;
  explicit: boolean;
}

export interface ResolvedHostConfig {
  /** The name to connect to: HostName with %h expanded, or the name given; lowercased as ssh does. */
  hostName: string;
  /** User from the caller or the config; undefined means the local user. */
  user?: string;
  /** Undefined means 22. */
  port?: number;
  /** Paths of `identities`, in order. */
  identityFiles: string[];
  /** Identity files with their origin: configured ones are explicit, the built-in defaults are not. */
  identities: IdentityFileRef[];
  identitiesOnly: boolean;
  /** Empty when set to `none`. */
  userKnownHostsFiles: string[];
  /** Empty when set to `none`. */
  globalKnownHostsFiles: string[];
  /** `ask` is what ssh does with no setting; lwt never prompts, so it treats ask as yes. */
  strictHostKeyChecking: StrictHostKeyChecking;
  /** Undefined when unset or `0`/`none` (ssh then waits for the system's TCP timeout). */
  connectTimeoutSec?: number;
  /** 0 disables keepalives, as in ssh. */
  serverAliveIntervalSec?: number;
  serverAliveCountMax?: number;
  /** Raw ProxyJump value (`[user@]host[:port][,...]`); undefined when unset or `none`. */
  proxyJump?: string;
  /**
   * Raw ProxyCommand (tokens not expanded); undefined when unset or `none`. ProxyJump and
   * ProxyCommand share one slot in ssh: whichever is obtained first wins and the other is ignored.
   */
  proxyCommand?: string;
  compression?: boolean;
  batchMode?: boolean;
  /** Agent socket after expansion; `none` disables the agent; undefined means $SSH_AUTH_SOCK. */
  identityAgent?: string;
  hashKnownHosts?: boolean;
  /** Name to look the host key up under in known_hosts instead of the host name (port ignored). */
  hostKeyAlias?: string;
}

type StringKey = 'hostName' | 'user' | 'identityFile' | 'identityAgent' | 'hostKeyAlias' | 'proxyJump' | 'proxyCommand';
type NumberKey = 'port' | 'connectTimeout' | 'serverAliveInterval' | 'serverAliveCountMax';
type FlagKey = 'identitiesOnly' | 'compression' | 'batchMode' | 'hashKnownHosts';
type ListKey = 'userKnownHostsFile' | 'globalKnownHostsFile';

type OptionValue =
  | { key: StringKey; value: string }
  /** `undefined` for time values set to none/0: the keyword is obtained, with no value. */
  | { key: NumberKey; value: number | undefined }
  | { key: FlagKey; value: boolean }
  | { key: ListKey; value: string[] }
  | { key: 'strictHostKeyChecking'; value: StrictHostKeyChecking };

type MatchAttr = 'all' | 'host' | 'originalhost' | 'user' | 'localuser' | 'unsupported';

interface MatchCriterion {
  negate: boolean;
  attr: MatchAttr;
  arg?: string;
}

export type ConfigEntry =
  | { kind: 'host'; line: number; patterns: string[] }
  | { kind: 'match'; line: number; criteria: MatchCriterion[] }
  /** `files` is filled by loadSshConfig; parseSshConfig alone leaves it undefined. */
  | { kind: 'include'; line: number; args: string[]; files?: ConfigFile[] }
  | { kind: 'option'; line: number; option: OptionValue };

export interface ConfigFile {
  /** Name used in messages: the path, with the home folder shown as `~`. */
  source: string;
  /** A user configuration (~/.ssh/config or -F): relative Include paths are under ~/.ssh. */
  userConf: boolean;
  entries: ConfigEntry[];
}

export interface SshConfig {
  /** Top-level files in reading order (user config, then the system one). */
  files: ConfigFile[];
  /** Things lwt read but does not apply (unsupported Match criteria, %-tokens...). */
  warnings: string[];
  home: string;
}

/** OpenSSH READCONF_MAX_DEPTH. */
const MAX_INCLUDE_DEPTH = 16;
/** OpenSSH SSH_MAX_IDENTITY_FILES. */
const MAX_IDENTITY_FILES = 100;

const DEFAULT_IDENTITY_NAMES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];
const DEFAULT_GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
const SYSTEM_CONFIG = '/etc/ssh/ssh_config';
const SYSTEM_CONFIG_DIR = '/etc/ssh';

/* ------------------------------------------------------------------------------------------ */
/* Line splitting                                                                              */
/* ------------------------------------------------------------------------------------------ */

class LineError extends Error {}

function isWs(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

/** Split `Keyword value`, `Keyword=value` or `Keyword = value` (one `=` at most), as OpenSSH strdelim(). */
function splitKeyword(line: string): { keyword: string; rest: string } | undefined {
  let i = 0;
  while (isWs(line[i])) i++;
  if (i >= line.length || line[i] === '#') return undefined;
  const start = i;
  while (i < line.length && !isWs(line[i]) && line[i] !== '=' && line[i] !== '"') i++;
  const keyword = line.slice(start, i);
  if (line[i] === '=') {
    i++;
    while (isWs(line[i])) i++;
  } else if (isWs(line[i])) {
    while (isWs(line[i])) i++;
    if (line[i] === '=') {
      i++;
      while (isWs(line[i])) i++;
    }
  }
  return { keyword, rest: line.slice(i) };
}

/**
 * OpenSSH argv_split() with comments: words separated by blanks, "double" or 'single' quotes
 * (possibly mid-word), backslash escaping a quote, a backslash, or (outside quotes) a space.
 * A word starting with `#` ends the line.
 */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') break;
    let quote = '';
    let arg = '';
    for (; i < s.length; i++) {
      const ch = s[i] as string;
      if (ch === '\\') {
        const next = s[i + 1];
        if (next === "'" || next === '"' || next === '\\' || (quote === '' && next === ' ')) {
          i++;
          arg += next;
        } else {
          arg += ch;
        }
      } else if (quote === '' && (ch === ' ' || ch === '\t')) {
        break;
      } else if (quote === '' && (ch === '"' || ch === "'")) {
        quote = ch;
      } else if (quote !== '' && ch === quote) {
        quote = '';
      } else {
        arg += ch;
      }
    }
    if (quote !== '') throw new LineError('unterminated quote');
    out.push(arg);
  }
  return out;
}

/* ------------------------------------------------------------------------------------------ */
/* Value parsers                                                                               */
/* ------------------------------------------------------------------------------------------ */

const CANONICAL_NAMES: Record<string, string> = {
  host: 'Host',
  match: 'Match',
  include: 'Include',
  hostname: 'HostName',
  user: 'User',
  port: 'Port',
  identityfile: 'IdentityFile',
  identitiesonly: 'IdentitiesOnly',
  userknownhostsfile: 'UserKnownHostsFile',
  globalknownhostsfile: 'GlobalKnownHostsFile',
  stricthostkeychecking: 'StrictHostKeyChecking',
  connecttimeout: 'ConnectTimeout',
  serveraliveinterval: 'ServerAliveInterval',
  serveralivecountmax: 'ServerAliveCountMax',
  proxyjump: 'ProxyJump',
  proxycommand: 'ProxyCommand',
  compression: 'Compression',
  batchmode: 'BatchMode',
  identityagent: 'IdentityAgent',
  hashknownhosts: 'HashKnownHosts',
  hostkeyalias: 'HostKeyAlias',
};

function bad(name: string, value: string): LineError {
  return new LineError(`bad value for ${name}: '${value}'`);
}

/** Exactly one non-empty argument. */
function single(name: string, args: string[]): string {
  const v = args[0];
  if (v === undefined || v === '') throw new LineError(`missing value for ${name}`);
  if (args.length > 1) throw new LineError(`extra values for ${name}: '${args.slice(1).join(' ')}'`);
  return v;
}

let servicesCache: Map<string, number> | undefined;

/** getservbyname(name, "tcp") from /etc/services, as OpenSSH's a2port() falls back to. */
function tcpService(name: string): number | undefined {
  if (servicesCache === undefined) {
    servicesCache = new Map();
    try {
      for (const line of readFileSync('/etc/services', 'utf8').split('\n')) {
        const words = line.replace(/#.*/, '').trim().split(/\s+/);
        const m = /^(\d+)\/tcp$/.exec(words[1] ?? '');
        if (!m) continue;
        const port = Number(m[1]);
        for (const w of [words[0], ...words.slice(2)]) if (w && !servicesCache.has(w)) servicesCache.set(w, port);
      }
    } catch {
      // No services database: numeric ports only.
    }
  }
  return servicesCache.get(name);
}

/** OpenSSH a2port(): 1-65535, or a TCP service name. */
export function parsePort(value: string): number | undefined {
  if (/^\d+$/.test(value)) {
    const n = Number(value);
    return n >= 1 && n <= 65535 ? n : undefined;
  }
  const s = tcpService(value);
  return s !== undefined && s >= 1 && s <= 65535 ? s : undefined;
}

/** OpenSSH convtime(): `90`, `90s`, `1m30s`, `2h`, units s m h d w (any case). */
export function parseTimeSpec(value: string): number | undefined {
  if (value === '') return undefined;
  const mult: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  let i = 0;
  while (i < value.length) {
    const m = /^(\d+)([smhdwSMHDW]?)/.exec(value.slice(i));
    if (!m || m[1] === undefined) return undefined;
    const unit = (m[2] ?? '').toLowerCase();
    if (unit === '' && i + m[0].length !== value.length) return undefined;
    total += Number(m[1]) * (mult[unit] ?? 1);
    if (total > 0x7fffffff) return undefined;
    i += m[0].length;
  }
  return total;
}

function parseFlag(name: string, value: string, allowTrueFalse = true): boolean {
  const v = value.toLowerCase();
  if (v === 'yes' || (allowTrueFalse && v === 'true')) return true;
  if (v === 'no' || (allowTrueFalse && v === 'false')) return false;
  throw bad(name, value);
}

/** Syntax of one ProxyJump hop: `[user@]host[:port]` or `ssh://[user@]host[:port]`. */
function validJumpHop(hop: string): boolean {
  let s = hop;
  if (s.toLowerCase().startsWith('ssh://')) {
    s = s.slice(6);
    if (s.endsWith('/')) s = s.slice(0, -1);
  }
  const at = s.lastIndexOf('@');
  if (at === 0) return false;
  const hostPort = at >= 0 ? s.slice(at + 1) : s;
  let host = hostPort;
  let port: string | undefined;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close < 0) return false;
    host = hostPort.slice(1, close);
    const after = hostPort.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return false;
      port = after.slice(1);
    }
  } else {
    const colon = hostPort.indexOf(':');
    if (colon >= 0) {
      host = hostPort.slice(0, colon);
      port = hostPort.slice(colon + 1);
    }
  }
  if (host === '' || /[\s,@]/.test(host)) return false;
  return port === undefined || parsePort(port) !== undefined;
}

function parseOption(lower: string, args: string[], rest: string): OptionValue | undefined {
  const name = CANONICAL_NAMES[lower] ?? lower;
  switch (lower) {
    case 'hostname':
    case 'user':
    case 'hostkeyalias': {
      const key: StringKey = lower === 'hostname' ? 'hostName' : lower === 'user' ? 'user' : 'hostKeyAlias';
      return { key, value: single(name, args) };
    }
    case 'identityfile':
      return { key: 'identityFile', value: single(name, args) };
    case 'identityagent': {
      const v = single(name, args);
      if (v.startsWith('$') && !v.startsWith('${') && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.slice(1))) throw bad(name, v);
      checkDollarSyntax(name, v);
      return { key: 'identityAgent', value: v };
    }
    case 'port': {
      const v = single(name, args);
      const port = parsePort(v);
      if (port === undefined) throw bad(name, v);
      return { key: 'port', value: port };
    }
    case 'connecttimeout':
    case 'serveraliveinterval': {
      const v = single(name, args);
      const key: NumberKey = lower === 'connecttimeout' ? 'connectTimeout' : 'serverAliveInterval';
      if (v === 'none') return { key, value: undefined };
      const secs = parseTimeSpec(v);
      if (secs === undefined) throw bad(name, v);
      return { key, value: key === 'connectTimeout' && secs === 0 ? undefined : secs };
    }
    case 'serveralivecountmax': {
      const v = single(name, args);
      if (!/^\d+$/.test(v) || Number(v) > 0x7fffffff) throw bad(name, v);
      return { key: 'serverAliveCountMax', value: Number(v) };
    }
    case 'identitiesonly':
    case 'batchmode':
    case 'hashknownhosts': {
      const v = single(name, args);
      const key: FlagKey = lower === 'identitiesonly' ? 'identitiesOnly' : lower === 'batchmode' ? 'batchMode' : 'hashKnownHosts';
      return { key, value: parseFlag(name, v) };
    }
    case 'compression':
      // OpenSSH accepts only yes/no here (not true/false).
      return { key: 'compression', value: parseFlag(name, single(name, args), false) };
    case 'stricthostkeychecking': {
      const v = single(name, args);
      const map: Record<string, StrictHostKeyChecking> = {
        yes: 'yes',
        true: 'yes',
        no: 'no',
        false: 'no',
        off: 'no',
        ask: 'ask',
        'accept-new': 'accept-new',
      };
      const s = Object.hasOwn(map, v.toLowerCase()) ? map[v.toLowerCase()] : undefined;
      if (s === undefined) throw bad(name, v);
      return { key: 'strictHostKeyChecking', value: s };
    }
    case 'userknownhostsfile':
    case 'globalknownhostsfile': {
      if (args.length === 0) throw new LineError(`missing value for ${name}`);
      for (const a of args) if (a === '') throw new LineError(`missing value for ${name}`);
      if (args.some((a) => a.toLowerCase() === 'none') && (args.length > 1 || args[0]?.toLowerCase() !== 'none')) {
        throw new LineError(`${name}: "none" must appear alone`);
      }
      if (lower === 'userknownhostsfile') for (const a of args) checkDollarSyntax(name, a);
      return { key: lower === 'userknownhostsfile' ? 'userKnownHostsFile' : 'globalKnownHostsFile', value: args };
    }
    case 'proxyjump': {
      if (args.length === 0 || args[0] === '') throw new LineError(`missing value for ${name}`);
      // OpenSSH parses the raw remainder: anything from a '#' is a comment.
      const raw = (rest.split('#')[0] ?? '').trim();
      if (raw.toLowerCase() !== 'none') {
        for (const hop of raw.split(',')) if (!validJumpHop(hop)) throw bad(name, raw);
      }
      return { key: 'proxyJump', value: raw };
    }
    case 'proxycommand':
      if (args.length === 0) throw new LineError(`missing value for ${name}`);
      // The raw remainder, quotes and all: ssh hands it to the shell.
      return { key: 'proxyCommand', value: rest };
    default:
      return undefined;
  }
}

/** Reject `${` without `}` or with a bad name at parse time, as OpenSSH does. */
function checkDollarSyntax(name: string, v: string): void {
  let i = v.indexOf('${');
  while (i >= 0) {
    const end = v.indexOf('}', i + 2);
    if (end < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.slice(i + 2, end))) throw bad(name, v);
    i = v.indexOf('${', end + 1);
  }
}

const UNSUPPORTED_NO_ARG = new Set(['canonical', 'final']);

function parseMatch(args: string[], warn: (msg: string) => void): MatchCriterion[] {
  const criteria: MatchCriterion[] = [];
  let attributes = 0;
  for (let i = 0; i < args.length; i++) {
    const raw = args[i] as string;
    const negate = raw.startsWith('!');
    const attr = (negate ? raw.slice(1) : raw).toLowerCase();
    if (attr === 'all') {
      if (attributes > 1 || i + 1 < args.length) throw new LineError(`Match '${raw}' cannot be combined with other criteria`);
      criteria.push({ negate, attr: 'all' });
      return criteria;
    }
    attributes++;
    if (UNSUPPORTED_NO_ARG.has(attr)) {
      warn(`Match ${attr} is not supported by lwt: this block never applies`);
      criteria.push({ negate, attr: 'unsupported' });
      continue;
    }
    const arg = args[i + 1];
    if (arg === undefined || arg === '') throw new LineError(`Match ${attr}: missing argument`);
    i++;
    if (attr === 'host' || attr === 'originalhost' || attr === 'user' || attr === 'localuser') {
      criteria.push({ negate, attr, arg });
    } else {
      warn(`Match ${attr} is not supported by lwt: this block never applies`);
      criteria.push({ negate, attr: 'unsupported', arg });
    }
  }
  if (attributes === 0) throw new LineError('Match needs at least one criterion');
  return criteria;
}

/* ------------------------------------------------------------------------------------------ */
/* Parsing                                                                                     */
/* ------------------------------------------------------------------------------------------ */

function parseFile(text: string, source: string, userConf: boolean, warnings: string[]): ConfigFile {
  const entries: ConfigEntry[] = [];
  const lines = text.split('\n');
  for (let idx = 0; idx < lines.length; idx++) {
    const line = idx + 1;
    // Trailing blanks (and CR, form feed) are not part of the value.
    const text = (lines[idx] as string).replace(/[ \t\r\n\f]+$/, '');
    const split = splitKeyword(text);
    if (split === undefined) continue;
    const lower = split.keyword.toLowerCase();
    const known = Object.hasOwn(CANONICAL_NAMES, lower);
    const name = known ? (CANONICAL_NAMES[lower] as string) : split.keyword;
    try {
      if (split.rest === '') throw new LineError(`missing value for ${name}`);
      if (!known) continue; // Unknown keyword: operators' configs carry many.
      const args = splitArgs(split.rest);
      switch (lower) {
        case 'host':
          if (args.length === 0 || args.some((a) => a === '')) throw new LineError('missing value for Host');
          entries.push({ kind: 'host', line, patterns: args });
          break;
        case 'match':
          entries.push({
            kind: 'match',
            line,
            criteria: parseMatch(args, (msg) => warnings.push(`${source}:${line}: ${msg}`)),
          });
          break;
        case 'include':
          if (args.length === 0 || args.some((a) => a === '')) throw new LineError('missing value for Include');
          for (const a of args) {
            if (a.startsWith('~') && !userConf) throw new LineError(`bad Include path in a system configuration: '${a}'`);
          }
          entries.push({ kind: 'include', line, args });
          break;
        default: {
          const option = parseOption(lower, args, split.rest);
          if (option !== undefined) entries.push({ kind: 'option', line, option });
        }
      }
    } catch (err) {
      if (err instanceof LineError) throw new UsageError(`${source}:${line}: ${err.message}`);
      throw err;
    }
  }
  return { source, userConf, entries };
}

/**
 * Parse one configuration text. Include lines are kept but not followed (a warning says so):
 * loadSshConfig follows them.
 */
export function parseSshConfig(text: string, source: string, opts: { home?: string; userConf?: boolean } = {}): SshConfig {
  const warnings: string[] = [];
  const file = parseFile(text, source, opts.userConf ?? true, warnings);
  for (const e of file.entries) {
    if (e.kind === 'include') warnings.push(`${source}:${e.line}: Include is not followed when parsing text alone`);
  }
  return { files: [file], warnings, home: opts.home ?? homedir() };
}

/* ------------------------------------------------------------------------------------------ */
/* Loading and Include                                                                         */
/* ------------------------------------------------------------------------------------------ */

/** Show a path under the home folder as `~/...`. */
export function displayPath(path: string, home: string): string {
  if (home !== '' && home !== '/' && (path === home || path.startsWith(home.endsWith('/') ? home : `${home}/`))) {
    return `~${path.slice(home.replace(/\/+$/, '').length)}`;
  }
  return path;
}

let passwdCache: Map<string, string> | undefined;

function userHome(user: string): string | undefined {
  if (passwdCache === undefined) {
    passwdCache = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const f = line.split(':');
        if (f.length >= 7 && f[0] && f[5]) passwdCache.set(f[0], f[5]);
      }
    } catch {
      // No passwd file: only ~ and ~/ expand.
    }
  }
  return passwdCache.get(user);
}

/** OpenSSH tilde_expand_filename(): a leading `~` or `~user`, then `/` or the end. */
function expandTilde(path: string, home: string): string {
  if (!path.startsWith('~')) return path;
  const slash = path.indexOf('/');
  const who = slash < 0 ? path.slice(1) : path.slice(1, slash);
  const tail = slash < 0 ? '' : path.slice(slash);
  let base: string | undefined = home;
  if (who !== '') base = userHome(who);
  if (base === undefined) throw new LineError(`no such user for '~${who}'`);
  return tail === '' ? base : `${base.replace(/\/+$/, '')}${tail}`;
}

function hasGlobMagic(s: string): boolean {
  return /[*?[]/.test(s);
}

/** fnmatch(3) for one path segment: `*`, `?`, `[...]` classes (`!` or `^` negates), `\` escapes. */
function globSegment(pattern: string, name: string): boolean {
  const match = (pi: number, ni: number): boolean => {
    while (pi < pattern.length) {
      const c = pattern[pi] as string;
      if (c === '*') {
        while (pattern[pi] === '*') pi++;
        if (pi === pattern.length) return true;
        for (let k = ni; k <= name.length; k++) if (match(pi, k)) return true;
        return false;
      }
      if (ni >= name.length) return false;
      const n = name[ni] as string;
      if (c === '?') {
        pi++;
        ni++;
        continue;
      }
      if (c === '[') {
        let j = pi + 1;
        let negate = false;
        if (pattern[j] === '!' || pattern[j] === '^') {
          negate = true;
          j++;
        }
        let matched = false;
        let first = true;
        while (j < pattern.length && (first || pattern[j] !== ']')) {
          first = false;
          let lo = pattern[j] as string;
          if (lo === '\\' && j + 1 < pattern.length) lo = pattern[++j] as string;
          if (pattern[j + 1] === '-' && pattern[j + 2] !== undefined && pattern[j + 2] !== ']') {
            const hi = pattern[j + 2] as string;
            if (n >= lo && n <= hi) matched = true;
            j += 3;
          } else {
            if (n === lo) matched = true;
            j++;
          }
        }
        if (j >= pattern.length) {
          // No closing bracket: '[' is literal.
          if (n !== '[') return false;
          pi++;
          ni++;
          continue;
        }
        if (matched === negate) return false;
        pi = j + 1;
        ni++;
        continue;
      }
      let lit = c;
      if (c === '\\' && pi + 1 < pattern.length) lit = pattern[++pi] as string;
      if (lit !== n) return false;
      pi++;
      ni++;
    }
    return ni === name.length;
  };
  return match(0, 0);
}

/** glob(3) for an absolute pattern: sorted matches; leading dots match only explicitly. */
async function globPaths(pattern: string): Promise<string[]> {
  if (!hasGlobMagic(pattern)) return [pattern];
  let bases = ['/'];
  for (const seg of pattern.split('/')) {
    if (seg === '') continue;
    const next: string[] = [];
    if (!hasGlobMagic(seg)) {
      for (const b of bases) next.push(join(b, seg));
    } else {
      for (const b of bases) {
        let names: string[];
        try {
          names = await readdir(b);
        } catch {
          continue;
        }
        for (const n of names.sort()) {
          if (n.startsWith('.') && !seg.startsWith('.')) continue;
          if (globSegment(seg, n)) next.push(join(b, n));
        }
      }
    }
    bases = next;
  }
  return bases.sort();
}

async function readConfigText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function loadFile(
  text: string,
  path: string,
  userConf: boolean,
  depth: number,
  home: string,
  warnings: string[],
): Promise<ConfigFile> {
  const source = displayPath(path, home);
  const file = parseFile(text, source, userConf, warnings);
  for (const entry of file.entries) {
    if (entry.kind !== 'include') continue;
    const files: ConfigFile[] = [];
    for (const arg of entry.args) {
      let pattern: string;
      try {
        pattern = arg;
        if (!isAbsolute(pattern) && !pattern.startsWith('~')) {
          pattern = userConf ? `~/.ssh/${pattern}` : `${SYSTEM_CONFIG_DIR}/${pattern}`;
        }
        pattern = expandTilde(pattern, home);
      } catch (err) {
        if (err instanceof LineError) throw new UsageError(`${source}:${entry.line}: Include: ${err.message}`);
        throw err;
      }
      for (const p of await globPaths(pattern)) {
        if (depth + 1 > MAX_INCLUDE_DEPTH) {
          throw new UsageError(`${source}:${entry.line}: too many nested Include levels (more than ${MAX_INCLUDE_DEPTH})`);
        }
        let inner: string | undefined;
        try {
          inner = await readConfigText(p);
        } catch (err) {
          throw new UsageError(
            `${source}:${entry.line}: cannot read included file ${displayPath(p, home)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
          );
        }
        if (inner === undefined) continue;
        files.push(await loadFile(inner, p, userConf, depth + 1, home, warnings));
      }
    }
    entry.files = files;
  }
  return file;
}

export interface LoadSshConfigOptions {
  /** Home folder for ~, %d, ~/.ssh/config and relative Include paths (default: os.homedir()). */
  home?: string;
  /**
   * The system-wide file read after ~/.ssh/config when no path is given, as ssh does
   * (default /etc/ssh/ssh_config); null to skip it.
   */
  systemConfig?: string | null;
}

/**
 * Read the configuration as ssh(1) does. With `path` (ssh -F): that file only, which must exist
 * (`none` reads nothing). Without: ~/.ssh/config if present, then the system file if present.
 */
export async function loadSshConfig(path?: string, opts: LoadSshConfigOptions = {}): Promise<SshConfig> {
  const home = opts.home ?? homedir();
  const warnings: string[] = [];
  const files: ConfigFile[] = [];
  const readTop = async (p: string, required: boolean): Promise<string | undefined> => {
    try {
      const text = await readConfigText(p);
      if (text === undefined && required) throw new UsageError(`ssh config file ${p} not found`);
      return text;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`cannot read ssh config file ${displayPath(p, home)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  };
  if (path !== undefined) {
    if (path === 'none') return { files, warnings, home };
    const abs = resolve(path);
    const text = await readTop(abs, true);
    if (text !== undefined) files.push(await loadFile(text, abs, true, 0, home, warnings));
  } else {
    const userPath = join(home, '.ssh', 'config');
    const userText = await readTop(userPath, false);
    if (userText !== undefined) files.push(await loadFile(userText, userPath, true, 0, home, warnings));
    const sys = opts.systemConfig === undefined ? SYSTEM_CONFIG : opts.systemConfig;
    if (sys !== null) {
      const sysText = await readTop(sys, false);
      if (sysText !== undefined) files.push(await loadFile(sysText, sys, false, 0, home, warnings));
    }
  }
  return { files, warnings, home };
}

/* ------------------------------------------------------------------------------------------ */
/* Resolving                                                                                   */
/* ------------------------------------------------------------------------------------------ */

interface Located<T> {
  value: T;
  source: string;
  line: number;
}

interface State {
  hostName?: Located<string>;
  user?: Located<string>;
  port?: Located<number>;
  identityFiles: Located<string>[];
  identitiesOnly?: boolean;
  userKnownHostsFiles?: Located<string[]>;
  globalKnownHostsFiles?: string[];
  strictHostKeyChecking?: StrictHostKeyChecking;
  connectTimeout?: { value: number | undefined };
  serverAliveInterval?: { value: number | undefined };
  serverAliveCountMax?: number;
  /** The shared ProxyJump/ProxyCommand slot. */
  proxy?: { kind: 'jump' | 'command'; value: string };
  compression?: boolean;
  batchMode?: boolean;
  identityAgent?: Located<string>;
  hashKnownHosts?: boolean;
  hostKeyAlias?: string;
}

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
}

function currentHostForMatch(st: State, ctx: Ctx): string {
  return st.hostName ? expandHostName(st.hostName, ctx.originalHost) : ctx.originalHost;
}

/** HostName accepts only %h (the name given) and %%. */
function expandHostName(v: Located<string>, originalHost: string): string {
  return expandTokens(v, { h: () => originalHost }, false, 'HostName');
}

function expandTokens(
  v: Located<string>,
  tokens: Record<string, () => string>,
  dollar: boolean,
  keyword: string,
): string {
  const s = v.value;
  let out = '';
  const where = v.line > 0 ? `${v.source}:${v.line}` : v.source;
  const fail = (msg: string): never => {
    throw new UsageError(`${where}: ${keyword}: ${msg} in '${s}'`);
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (dollar && c === '$' && s[i + 1] === '{') {
      const end = s.indexOf('}', i + 2);
      if (end < 0) fail('unterminated ${');
      const name = s.slice(i + 2, end);
      const val = process.env[name];
      if (val === undefined) fail(`environment variable ${name} is not set`);
      out += val;
      i = end;
    } else if (c === '%') {
      const t = s[i + 1];
      if (t === undefined) fail('lone % at the end');
      const fn = tokens[t as string];
      if (t === '%') out += '%';
      else if (fn !== undefined) out += fn();
      else fail(`unknown token %${t}`);
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

function evalMatch(criteria: MatchCriterion[], st: State, ctx: Ctx): boolean {
  let result = true;
  for (const c of criteria) {
    let r: boolean;
    switch (c.attr) {
      case 'all':
        return result && !c.negate;
      case 'host':
        r = matchPatternListResult(currentHostForMatch(st, ctx), splitPatternList(c.arg ?? '')) === 1;
        break;
      case 'originalhost':
        r = matchPatternListResult(ctx.originalHost, splitPatternList(c.arg ?? '')) === 1;
        break;
      case 'user':
        r = matchPatternListResult(st.user?.value ?? ctx.localUser, splitPatternList(c.arg ?? ''), true) === 1;
        break;
      case 'localuser':
        r = matchPatternListResult(ctx.localUser, splitPatternList(c.arg ?? ''), true) === 1;
        break;
      default:
        // Unsupported criteria (exec, canonical, final...) never match, negated or not.
        result = false;
        continue;
    }
    if (r === c.negate) result = false;
  }
  return result;
}

function hostLineMatches(patterns: string[], host: string): boolean {
  // OpenSSH's Host line: match_pattern() per word, case-sensitive on the name as given;
  // commas are not separators here; one negated match rejects the block.
  let active = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pat = negated ? raw.slice(1) : raw;
    if (matchPattern(host, pat, true)) {
      if (negated) return false;
      active = true;
    }
  }
  return active;
}

function apply(st: State, opt: OptionValue, source: string, line: number): void {
  switch (opt.key) {
    case 'hostName':
      st.hostName ??= { value: opt.value, source, line };
      break;
    case 'user':
      st.user ??= { value: opt.value, source, line };
      break;
    case 'port':
      st.port ??= { value: opt.value as number, source, line };
      break;
    case 'identityFile':
      if (st.identityFiles.some((f) => f.value === opt.value)) break; // OpenSSH skips duplicates.
      if (st.identityFiles.length >= MAX_IDENTITY_FILES) {
        throw new UsageError(`${source}:${line}: too many identity files (more than ${MAX_IDENTITY_FILES})`);
      }
      st.identityFiles.push({ value: opt.value, source, line });
      break;
    case 'identitiesOnly':
      st.identitiesOnly ??= opt.value;
      break;
    case 'userKnownHostsFile':
      st.userKnownHostsFiles ??= { value: opt.value, source, line };
      break;
    case 'globalKnownHostsFile':
      st.globalKnownHostsFiles ??= opt.value;
      break;
    case 'strictHostKeyChecking':
      st.strictHostKeyChecking ??= opt.value;
      break;
    case 'connectTimeout':
      st.connectTimeout ??= { value: opt.value };
      break;
    case 'serverAliveInterval':
      st.serverAliveInterval ??= { value: opt.value };
      break;
    case 'serverAliveCountMax':
      st.serverAliveCountMax ??= opt.value;
      break;
    case 'proxyJump':
      st.proxy ??= { kind: 'jump', value: opt.value };
      break;
    case 'proxyCommand':
      st.proxy ??= { kind: 'command', value: opt.value };
      break;
    case 'compression':
      st.compression ??= opt.value;
      break;
    case 'batchMode':
      st.batchMode ??= opt.value;
      break;
    case 'identityAgent':
      st.identityAgent ??= { value: opt.value, source, line };
      break;
    case 'hashKnownHosts':
      st.hashKnownHosts ??= opt.value;
      break;
    case 'hostKeyAlias':
      st.hostKeyAlias ??= opt.value;
      break;
  }
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
        const r = evalMatch(e.criteria, st, ctx);
        active.v = !neverMatch && r;
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
    }
  }
}

/** Resolve the options that apply to `host` (the name as typed), as `ssh -G host` would. */
export function resolveHost(cfg: SshConfig, host: string, opts: ResolveOptions = {}): ResolvedHostConfig {
  const home = cfg.home;
  const localUser = opts.localUser ?? safeUserName();
  const st: State = { identityFiles: [] };
  const cmdline = 'command line';
  if (opts.user !== undefined) st.user = { value: opts.user, source: cmdline, line: 0 };
  if (opts.port !== undefined) st.port = { value: opts.port, source: cmdline, line: 0 };
  for (const f of opts.identityFiles ?? []) apply(st, { key: 'identityFile', value: f }, cmdline, 0);
  const ctx: Ctx = { originalHost: host, localUser };
  for (const file of cfg.files) walk(file, st, ctx, false, { v: true });

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

  const identities: IdentityFileRef[] =
    st.identityFiles.length > 0
      ? st.identityFiles.map((f) => ({ path: expandPath(f, 'IdentityFile'), explicit: true }))
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
  return out;
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? 'root';
  }
}
