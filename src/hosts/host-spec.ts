import { isIPv6 } from 'node:net';
import { UsageError } from '../errors.js';
import { quoteForMessage } from './quote.js';

/** One SSH target. `user` and `port` are absent when the operator did not give them (ssh config decides). */
export interface HostSpec {
  user?: string;
  host: string;
  port?: number;
}

/**
 * The pieces of `[user@]host[:port]` before validation. `host` may still hold range
 * brackets (`node[1-3]`); `ipv6` says the host is an IPv6 address, which is never expanded.
 */
export interface RawHostSpec {
  user?: string;
  host: string;
  port?: string;
  ipv6: boolean;
}

/**
 * Host names: letters, digits, '-', '.', '_'. A leading '-' or '.' is refused because
 * such a name would be read as an option by ssh and scp.
 */
const HOST_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
/** DNS limit on a full name (plus a trailing dot). */
const MAX_HOST_LENGTH = 254;
/** User names: no leading '-' (option injection), no shell or list syntax. '@' is kept for `domain@user` logins. */
const USER_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.@-]*$/;

function badHost(text: string, reason: string): UsageError {
  return new UsageError(`bad host ${quoteForMessage(text)}: ${reason}`);
}

/**
 * Split `[user@]host[:port]`, `[user@][ipv6]:port` or `[user@]ipv6` without judging the parts.
 * The user ends at the last '@'; a host with two or more ':' is a bare IPv6 address and has no port.
 */
export function splitHostSpec(text: string): RawHostSpec {
  const at = text.lastIndexOf('@');
  let user: string | undefined;
  let rest = text;
  if (at >= 0) {
    user = text.slice(0, at);
    rest = text.slice(at + 1);
    if (user === '') throw badHost(text, "empty user before '@'");
    // `user@@host` is a typo, not a user named `user@`: refused here rather than failing as auth later.
    if (user.endsWith('@') || user.includes('@@')) throw badHost(text, "empty name between '@' signs");
  }
  const spec = (host: string, port: string | undefined, ipv6: boolean): RawHostSpec => {
    const raw: RawHostSpec = { host, ipv6 };
    if (user !== undefined) raw.user = user;
    if (port !== undefined) raw.port = port;
    return raw;
  };

  // `[fe80::1]:22`: brackets holding a ':' are an IPv6 literal, not a range group.
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    const inner = close > 0 ? rest.slice(1, close) : '';
    if (inner.includes(':')) {
      const after = rest.slice(close + 1);
      if (after === '') return spec(inner, undefined, true);
      if (!after.startsWith(':')) throw badHost(text, `unexpected ${quoteForMessage(after)} after ']'`);
      return spec(inner, after.slice(1), true);
    }
  }

  const colons = rest.split(':').length - 1;
  if (colons >= 2) return spec(rest, undefined, true);
  const colon = rest.lastIndexOf(':');
  // A ':' inside range brackets is not a port separator; expansion reports it.
  if (colon >= 0 && colon > rest.lastIndexOf(']')) return spec(rest.slice(0, colon), rest.slice(colon + 1), false);
  return spec(rest, undefined, false);
}

/** Check a user name; `text` is what the operator wrote, for the message. */
export function checkUser(user: string, text: string): void {
  if (!USER_NAME.test(user)) throw badHost(text, `bad user name ${quoteForMessage(user)}`);
}

/** Parse a port written by the operator: decimal, 1-65535. */
export function parsePort(port: string, text: string): number {
  const value = /^[0-9]{1,5}$/.test(port) ? Number(port) : NaN;
  if (!(value >= 1 && value <= 65535)) throw badHost(text, `port must be 1-65535, got ${quoteForMessage(port)}`);
  return value;
}

/**
 * Validate a single host (no ranges) and return its canonical form. Names are lowercased:
 * DNS and ssh's own config matching ignore case, so `Web1` and `web1` are one machine
 * and must dedupe and exclude as one.
 */
export function canonicalHost(host: string, ipv6: boolean, text: string): string {
  if (host === '') throw badHost(text, 'empty host name');
  if (ipv6) {
    if (!isIPv6(host)) throw badHost(text, 'not a valid IPv6 address');
    // The zone after '%' is an interface name, which is case-sensitive on some systems.
    const zone = host.indexOf('%');
    return zone < 0 ? host.toLowerCase() : host.slice(0, zone).toLowerCase() + host.slice(zone);
  }
  if (host.includes('[') || host.includes(']')) throw badHost(text, 'ranges are not allowed here');
  if (host.length > MAX_HOST_LENGTH) throw badHost(text, `host name longer than ${MAX_HOST_LENGTH} characters`);
  if (!HOST_NAME.test(host)) {
    if (/^[.-]/.test(host)) throw badHost(text, `must not start with ${quoteForMessage(host.charAt(0))}`);
    const bad = [...host].find((c) => !/[A-Za-z0-9._-]/.test(c)) ?? host.charAt(0);
    throw badHost(text, `bad character ${quoteForMessage(bad)}`);
  }
  if (host.includes('..')) throw badHost(text, "empty label '..'");
  return host.toLowerCase();
}

/** Build a validated spec from split parts whose host is a single name. */
export function specFromParts(raw: RawHostSpec, text: string): HostSpec {
  const spec: HostSpec = { host: canonicalHost(raw.host, raw.ipv6, text) };
  if (raw.user !== undefined) {
    checkUser(raw.user, text);
    spec.user = raw.user;
  }
  if (raw.port !== undefined) spec.port = parsePort(raw.port, text);
  return spec;
}

/** Parse one `[user@]host[:port]`, `[user@][ipv6]:port` or `[user@]ipv6`. Ranges are refused here. */
export function parseHostSpec(text: string): HostSpec {
  return specFromParts(splitHostSpec(text), text);
}

/**
 * The canonical key of a host: the form lists, state files and dedupe all use.
 * parseHostSpec(formatHostSpec(s)) gives back s; an IPv6 host with a port is bracketed.
 */
export function formatHostSpec(spec: HostSpec): string {
  const user = spec.user === undefined ? '' : `${spec.user}@`;
  if (spec.port === undefined) return `${user}${spec.host}`;
  const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
  return `${user}${host}:${spec.port}`;
}

/**
 * Whether `pattern` names `spec`: the host must be equal, and the user and port too when
 * the pattern gives them. So `web1` matches `root@web1:2222`, while `root@web1` leaves
 * `admin@web1` alone.
 */
export function specMatches(pattern: HostSpec, spec: HostSpec): boolean {
  return (
    pattern.host === spec.host &&
    (pattern.user === undefined || pattern.user === spec.user) &&
    (pattern.port === undefined || pattern.port === spec.port)
  );
}
