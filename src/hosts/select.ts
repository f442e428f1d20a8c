import { stat } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { UsageError } from '../errors.js';
import { formatHostSpec, specMatches, type HostSpec } from './host-spec.js';
import { parseInlineHosts, readHostListFile } from './host-list.js';
import { quoteForMessage } from './quote.js';

export interface HostSelection {
  hosts: HostSpec[];
  /** Where the hosts came from, for messages: `hosts/ok`, `hosts/candidates`, `-w`, a file path. */
  source: string;
}

export interface SelectOptions {
  /** lwt's home folder; named lists live in `<home>/hosts/`. */
  home: string;
  /** -H: a file path, or the NAME of a list in `<home>/hosts/NAME`. */
  hostsArg?: string;
  /** -w, repeatable: comma lists with ranges, `a,b,node[1-3]`. */
  targets?: string[];
  /**
   * -x, repeatable: comma lists with ranges, or `@LIST` to read hosts to exclude from a
   * list given exactly as to -H. An explicit '@' is used rather than "is there a file of
   * that name?", so a stray file in the current folder can never change what `-x web1` means.
   * ('@' cannot start a host: a user before '@' must not be empty.)
   */
  exclude?: string[];
}

/** A path as the operator would type it: relative to the current folder when inside it. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Resolve a -H value: anything with a '/' (or starting with '.') is a path; a bare NAME is
 * `<home>/hosts/NAME` when that exists, else a file NAME in the current folder.
 */
async function resolveListArg(arg: string, home: string, flag: string): Promise<{ path: string; source: string }> {
  if (arg === '') throw new UsageError(`${flag}: empty host list name`);
  if (arg.includes('/') || arg.startsWith('.')) return { path: arg, source: arg };
  const named = join(home, 'hosts', arg);
  if (await isFile(named)) return { path: named, source: displayPath(named) };
  if (await isFile(arg)) return { path: arg, source: arg };
  throw new UsageError(
    `${flag} ${quoteForMessage(arg)}: no host list ${displayPath(named)} and no file ${quoteForMessage(arg)} here`,
  );
}

async function readListArg(arg: string, home: string, flag: string): Promise<{ hosts: HostSpec[]; source: string }> {
  const { path, source } = await resolveListArg(arg, home, flag);
  return { hosts: await readHostListFile(path, source), source };
}

/** Hosts from `<home>/hosts/ok`, else `<home>/hosts/candidates`, as `lwt exec-all` does without -H or -w. */
async function defaultSelection(home: string): Promise<HostSelection> {
  const okPath = join(home, 'hosts', 'ok');
  const candidatesPath = join(home, 'hosts', 'candidates');
  const ok = displayPath(okPath);
  const candidates = displayPath(candidatesPath);
  let okWasEmpty = false;
  if (await isFile(okPath)) {
    const hosts = await readHostListFile(okPath, ok);
    if (hosts.length > 0) return { hosts, source: ok };
    okWasEmpty = true;
  }
  if (!(await isFile(candidatesPath))) {
    throw new UsageError(`no hosts: give -H or -w, or create ${candidates} (lwt init makes an example)`);
  }
  const hosts = await readHostListFile(candidatesPath, candidates);
  return { hosts, source: okWasEmpty ? `${candidates} (${ok} is empty)` : candidates };
}

function mergeHosts(lists: readonly HostSpec[][]): HostSpec[] {
  const seen = new Set<string>();
  const out: HostSpec[] = [];
  for (const list of lists) {
    for (const spec of list) {
      const key = formatHostSpec(spec);
      if (!seen.has(key)) {
        seen.add(key);
        out.push(spec);
      }
    }
  }
  return out;
}

/** Drop hosts named by any pattern (see specMatches); patterns are indexed by host to stay linear. */
function excludeHosts(hosts: HostSpec[], patterns: readonly HostSpec[]): HostSpec[] {
  const byHost = new Map<string, HostSpec[]>();
  for (const p of patterns) {
    const list = byHost.get(p.host);
    if (list === undefined) byHost.set(p.host, [p]);
    else list.push(p);
  }
  return hosts.filter((spec) => !(byHost.get(spec.host) ?? []).some((p) => specMatches(p, spec)));
}

/**
 * The hosts `lwt exec-all` runs on. -H and -w together give their union (-H hosts first);
 * with neither, hosts/ok is used when it lists hosts, else hosts/candidates.
 * Then -x removes hosts. An empty result is an error, never a silent no-op run.
 */
export async function selectHosts(opts: SelectOptions): Promise<HostSelection> {
  const lists: HostSpec[][] = [];
  const sources: string[] = [];
  if (opts.hostsArg !== undefined) {
    const { hosts, source } = await readListArg(opts.hostsArg, opts.home, '-H');
    lists.push(hosts);
    sources.push(source);
  }
  const targets = opts.targets ?? [];
  if (targets.length > 0) {
    for (const list of targets) lists.push(parseInlineHosts(list, '-w'));
    sources.push('-w');
  }

  let selection: HostSelection;
  if (sources.length === 0) selection = await defaultSelection(opts.home);
  else selection = { hosts: mergeHosts(lists), source: sources.join(' + ') };
  if (selection.hosts.length === 0) throw new UsageError(`no hosts: ${selection.source} lists none`);

  const patterns: HostSpec[] = [];
  for (const item of opts.exclude ?? []) {
    if (item.startsWith('@')) patterns.push(...(await readListArg(item.slice(1), opts.home, '-x')).hosts);
    else patterns.push(...parseInlineHosts(item, '-x'));
  }
  if (patterns.length === 0) return selection;
  const kept = excludeHosts(selection.hosts, patterns);
  if (kept.length === 0) {
    throw new UsageError(`no hosts left: -x excludes all ${selection.hosts.length} hosts of ${selection.source}`);
  }
  return { hosts: kept, source: selection.source };
}
