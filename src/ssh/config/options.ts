/**
 * The keywords lwt reads and their values, checked at parse time as ssh does (a bad value
 * fails even in a block that never applies).
 */
import { readFileSync } from 'node:fs';
import { LineError } from './lexer.js';
import type { FlagKey, NumberKey, OptionValue, StringKey, StrictHostKeyChecking } from './types.js';

/** Lowercased keyword to its spelling in messages: the keywords lwt applies (keywords.ts has the others). */
export const CANONICAL_NAMES: Record<string, string> = {
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
  ignoreunknown: 'IgnoreUnknown',
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
  // Case-sensitive as in ssh (and as the ProxyJump connector strips it): `SSH://` is no URI.
  const uri = s.startsWith('ssh://');
  if (uri) {
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
  // A URI's host must be a domain name as OpenSSH's valid_domain() reads one (its parse_uri
  // refuses the rest, IPv6 brackets included).
  if (uri && (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(host) || host.includes('..'))) return false;
  return port === undefined || parsePort(port) !== undefined;
}

export function parseOption(lower: string, args: string[], rest: string): OptionValue | undefined {
  const name = CANONICAL_NAMES[lower] ?? lower;
  switch (lower) {
    case 'hostname':
    case 'user':
    case 'hostkeyalias':
    case 'ignoreunknown': {
      const key: StringKey = lower === 'hostname' ? 'hostName' : lower === 'user' ? 'user' : lower === 'ignoreunknown' ? 'ignoreUnknown' : 'hostKeyAlias';
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
