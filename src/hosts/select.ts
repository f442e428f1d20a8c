import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { formatHostSpec, specMatches, type HostSpec } from './host-spec.js';
import { parseInlineHosts, readHostListFile, withLocation } from './host-list.js';
import type { Inventory } from './inventory.js';
import { displayPath, isFile, readGroup, readListArg } from './list-source.js';
import { splitHostList } from './ranges.js';

export interface HostSelection {
  hosts: HostSpec[];
  /** Where the hosts came from, for messages: `hosts/ok`, `hosts/candidates`, `-w`, a file path. */
  source: string;
}

export interface SelectOptions {
  /** lwt's home folder; named lists live in `<home>/hosts/`. */
  home: string;
  /**
   * -H, repeatable (the union): a file path, or the NAME of a list in `<home>/hosts/NAME`
   * (`racks/a` too). An Ansible inventory (INI or YAML) gives all its hosts, or only names
   * the groups when -w uses `@GROUP`.
   */
  hostsArg?: string | string[];
  /**
   * -w, repeatable: comma lists with ranges, `a,b,node[1-3]`; an item `^FILE` reads a list
   * (pdsh), `@GROUP` a group (clush: an inventory's group, else `<home>/hosts/GROUP`).
   */
  targets?: string[];
  /**
   * -x, repeatable: as -w. An explicit '@' or '^' is used rather than "is there a file of
   * that name?", so a stray file in the current folder can never change what `-x web1` means.
   * ('@' cannot start a host: a user before '@' must not be empty.)
   */
  exclude?: string[];
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
 * Hosts of one -w/-x value: plain items parsed inline, `^FILE` and `@GROUP` items read.
 * Returns whether an item named an inventory's group.
 */
async function hostsOfItems(value: string, flag: string, home: string, inventories: readonly Inventory[]): Promise<{ hosts: HostSpec[]; usedGroups: boolean }> {
  const hosts: HostSpec[] = [];
  const plain: string[] = [];
  let usedGroups = false;
  // Splitting is where an empty item is found: the error names the flag, as parsing does.
  for (const item of withLocation(flag, () => splitHostList(value))) {
    if (item.startsWith('^')) hosts.push(...(await readListArg(item.slice(1), home, flag)).hosts);
    else if (item.startsWith('@')) {
      usedGroups ||= inventories.some((inv) => inv.groups.has(item.slice(1)));
      hosts.push(...(await readGroup(item.slice(1), inventories, home, flag)));
    } else plain.push(item);
  }
  if (plain.length > 0) hosts.push(...parseInlineHosts(plain.join(','), flag));
  return { hosts, usedGroups };
}

/**
 * The hosts `lwt exec-all` runs on. -H (each) and -w together give their union (-H hosts
 * first); with neither, hosts/ok is used when it lists hosts, else hosts/candidates.
 * Then -x removes hosts. An empty result is an error, never a silent no-op run.
 */
export async function selectHosts(opts: SelectOptions): Promise<HostSelection> {
  const lists: HostSpec[][] = [];
  const sources: string[] = [];
  const hostsArgs = opts.hostsArg === undefined ? [] : Array.isArray(opts.hostsArg) ? opts.hostsArg : [opts.hostsArg];
  const files = await Promise.all(hostsArgs.map((a) => readListArg(a, opts.home, '-H')));
  const inventories = files.flatMap((f) => (f.kind === 'inventory' ? [f.inventory] : []));
  const targetLists: HostSpec[][] = [];
  let usedGroups = false;
  for (const value of opts.targets ?? []) {
    const r = await hostsOfItems(value, '-w', opts.home, inventories);
    targetLists.push(r.hosts);
    usedGroups ||= r.usedGroups;
  }
  for (const f of files) {
    // `-H inventory -w @web` means the group web of that inventory, not the whole inventory too.
    if (f.kind === 'inventory' && usedGroups) continue;
    lists.push(f.hosts);
    sources.push(f.source);
  }
  if (targetLists.length > 0) {
    lists.push(...targetLists);
    sources.push('-w');
  }

  let selection: HostSelection;
  if (sources.length === 0) selection = await defaultSelection(opts.home);
  else selection = { hosts: mergeHosts(lists), source: sources.join(' + ') };
  if (selection.hosts.length === 0) throw new UsageError(`no hosts: ${selection.source} lists none`);

  const patterns: HostSpec[] = [];
  for (const value of opts.exclude ?? []) {
    patterns.push(...(await hostsOfItems(value, '-x', opts.home, inventories)).hosts);
  }
  if (patterns.length === 0) return selection;
  const kept = excludeHosts(selection.hosts, patterns);
  if (kept.length === 0) {
    throw new UsageError(`no hosts left: -x excludes all ${selection.hosts.length} of ${selection.source}`);
  }
  return { hosts: kept, source: selection.source };
}
