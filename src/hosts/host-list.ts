import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import {
  canonicalHost,
  checkUser,
  formatHostSpec,
  parsePort,
  specFromParts,
  splitHostSpec,
  type HostSpec,
} from './host-spec.js';
import { quoteForMessage } from './quote.js';
import { MAX_EXPANSION, expandRanges, splitHostList, splitOutsideBrackets } from './ranges.js';

/**
 * Parse one entry that may hold ranges, a user and a port: `root@node[01-04]:2222`.
 * The user and port apply to every expanded name. IPv6 addresses are never expanded.
 */
export function parseHostPattern(text: string): HostSpec[] {
  const raw = splitHostSpec(text);
  if (raw.ipv6) return [specFromParts(raw, text)];
  // Check user and port once, before a large range multiplies the work.
  if (raw.user !== undefined) checkUser(raw.user, text);
  const port = raw.port === undefined ? undefined : parsePort(raw.port, text);
  // An empty host (`root@`, `:22`) is left to canonicalHost, whose message names the whole entry.
  const names = raw.host === '' ? [''] : expandRanges(raw.host);
  // Expanded names differ only in digits, so checking the longest one checks them all.
  let longest = names[0] ?? '';
  for (const name of names) if (name.length > longest.length) longest = name;
  canonicalHost(longest, false, text);
  const lower = /[A-Z]/.test(raw.host);
  return names.map((name) => {
    const spec: HostSpec = { host: lower ? name.toLowerCase() : name };
    if (raw.user !== undefined) spec.user = raw.user;
    if (port !== undefined) spec.port = port;
    return spec;
  });
}

/**
 * Strip a comment: '#' starting the line or following whitespace. A '#' inside a word
 * (`node#1`) is not a comment; it is left for the host check to refuse.
 */
function stripComment(line: string): string {
  const m = /(^|\s)#/.exec(line);
  return m === null ? line : line.slice(0, m.index);
}

/** Hosts of one host-list line: none for blank and comment lines. Errors carry no location. */
export function parseHostLine(line: string): HostSpec[] {
  const content = stripComment(line).trim();
  if (content === '') return [];
  // Whitespace inside brackets is part of a range (`n[1, 3]`); outside them it separates hosts.
  const outside = content.replace(/\[[^\]]*\]/g, '[]');
  if (/\s/.test(outside) || splitOutsideBrackets(content).length > 1) {
    throw new UsageError(`one host per line, found ${quoteForMessage(content)}`);
  }
  return parseHostPattern(content);
}

/** Prefix an error from parsing with where the text came from. */
export function withLocation<T>(where: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`${where}: ${err.message}`);
    throw err;
  }
}

/** Collects hosts, dropping repeats (same canonical key) and keeping the first order. */
class HostCollector {
  readonly hosts: HostSpec[] = [];
  private readonly seen = new Set<string>();

  /** Add hosts; false when the total passed MAX_EXPANSION. */
  add(specs: readonly HostSpec[]): boolean {
    for (const spec of specs) {
      const key = formatHostSpec(spec);
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.hosts.push(spec);
    }
    return this.hosts.length <= MAX_EXPANSION;
  }
}

/**
 * Parse a host list: one host (or range) per line, `#` comments, blank lines skipped,
 * duplicates dropped keeping the first. Errors read `${source}:${lineNo}: ...`.
 */
export function parseHostList(text: string, source: string): HostSpec[] {
  const collector = new HostCollector();
  text.split('\n').forEach((line, i) => {
    const where = `${source}:${i + 1}`;
    const specs = withLocation(where, () => parseHostLine(line));
    if (!collector.add(specs)) throw new UsageError(`${where}: host list has more than ${MAX_EXPANSION} hosts`);
  });
  return collector.hosts;
}

/** Parse an inline comma list such as `-w a,b,node[1-3]`. Errors read `${source}: ...`. */
export function parseInlineHosts(list: string, source = '-w'): HostSpec[] {
  const collector = new HostCollector();
  for (const item of withLocation(source, () => splitHostList(list))) {
    const specs = withLocation(source, () => parseHostPattern(item));
    if (!collector.add(specs)) throw new UsageError(`${source}: host list has more than ${MAX_EXPANSION} hosts`);
  }
  return collector.hosts;
}

/** Short reason for a failed file access, for one-line messages. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a parent is not a directory';
    default:
      return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error';
  }
}

/** Read a host list file. `source` names it in messages (defaults to the path). */
export async function readHostListFile(path: string, source: string = path): Promise<HostSpec[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read host list ${source}: ${describeFsError(err)}`);
  }
  return parseHostList(text, source);
}
