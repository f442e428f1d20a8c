/**
 * Ansible inventories (INI or YAML) read as host lists with groups, so that an operator's
 * existing inventory can be named with -H and its groups with -w/-x @GROUP (as clush's
 * groups). Only what picks hosts is read: the name, `ansible_host`, `ansible_port`,
 * `ansible_user`; other variables are ignored. Ansible's `[01:20]` ranges become lwt's `[01-20]`.
 */
import { yaml } from '../packages.js';
import { UsageError, errorMessage } from '../errors.js';
import { formatHostSpec, type HostSpec } from './host-spec.js';
import { parseHostPattern, withLocation } from './host-list.js';

export interface Inventory {
  source: string;
  /** Group name → its hosts, children's hosts included. `all` holds every host. */
  groups: Map<string, HostSpec[]>;
}

/** A header `[name]`, `[name:children]` or `[name:vars]`: no lwt host line looks like this. */
const INI_HEADER = /^\s*\[([A-Za-z_][\w.-]*)(?::(children|vars))?\]\s*(?:[#;].*)?$/;

/** Whether a host list file is an Ansible inventory rather than lwt's one-host-a-line list. */
export function inventoryFormat(path: string, text: string): 'ini' | 'yaml' | undefined {
  if (/\.ya?ml$/i.test(path)) return 'yaml';
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith(';'));
  if (lines.some((l) => INI_HEADER.test(l))) return 'ini';
  // `all:` (or any `group:`) alone on the first line, or a YAML document marker.
  if (lines[0] === '---' || /^[A-Za-z_][\w.-]*:$/.test(lines[0] ?? '')) return 'yaml';
  return undefined;
}

/** `www[01:50].example.com` → `www[01-50].example.com`. */
function ansibleRange(name: string): string {
  return name.replace(/\[([0-9]+):([0-9]+)\]/g, '[$1-$2]');
}

function hostEntry(name: string, vars: Record<string, unknown>, where: string): HostSpec[] {
  const address = typeof vars.ansible_host === 'string' ? vars.ansible_host : ansibleRange(name);
  const user = vars.ansible_user ?? vars.ansible_ssh_user;
  const port = vars.ansible_port ?? vars.ansible_ssh_port;
  const text = `${typeof user === 'string' ? `${user}@` : ''}${address}${port !== undefined ? `:${String(port)}` : ''}`;
  return withLocation(where, () => parseHostPattern(text));
}

/** Group hosts with children folded in, duplicates dropped; a cycle of children is an error. */
function resolveGroups(own: Map<string, HostSpec[]>, children: Map<string, string[]>, source: string): Map<string, HostSpec[]> {
  const done = new Map<string, HostSpec[]>();
  const visit = (g: string, path: string[]): HostSpec[] => {
    const ready = done.get(g);
    if (ready) return ready;
    if (path.includes(g)) throw new UsageError(`${source}: group ${g} contains itself (${[...path, g].join(' > ')})`);
    const seen = new Set<string>();
    const hosts: HostSpec[] = [];
    for (const h of [...(own.get(g) ?? []), ...(children.get(g) ?? []).flatMap((c) => visit(c, [...path, g]))]) {
      const key = formatHostSpec(h);
      if (!seen.has(key)) {
        seen.add(key);
        hosts.push(h);
      }
    }
    done.set(g, hosts);
    return hosts;
  };
  const names = new Set([...own.keys(), ...children.keys(), ...[...children.values()].flat()]);
  for (const g of names) visit(g, []);
  if (!done.has('all')) {
    // INI inventories leave `all` implicit: every host of every group.
    const every = new Map<string, HostSpec>();
    for (const h of [...own.values()].flat()) if (!every.has(formatHostSpec(h))) every.set(formatHostSpec(h), h);
    done.set('all', [...every.values()]);
  }
  return done;
}

/** Words `k=v` after a host name on an INI line. */
function iniVars(words: string[]): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq > 0) vars[w.slice(0, eq)] = w.slice(eq + 1).replace(/^(['"])(.*)\1$/, '$2');
  }
  return vars;
}

export function parseIniInventory(text: string, source: string): Inventory {
  const own = new Map<string, HostSpec[]>([['ungrouped', []]]);
  const children = new Map<string, string[]>();
  let group = 'ungrouped';
  let kind: 'hosts' | 'children' | 'vars' = 'hosts';
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/(^|\s)[#;].*$/, '').trim();
    if (line === '') return;
    const header = INI_HEADER.exec(line);
    if (header) {
      group = header[1]!;
      kind = (header[2] as 'children' | 'vars' | undefined) ?? 'hosts';
      if (kind === 'hosts' && !own.has(group)) own.set(group, []);
      if (kind === 'children' && !children.has(group)) children.set(group, []);
      return;
    }
    if (kind === 'vars') return;
    const [name, ...rest] = line.split(/\s+/);
    if (kind === 'children') children.get(group)!.push(name!);
    else own.get(group)!.push(...hostEntry(name!, iniVars(rest), `${source}:${i + 1}`));
  });
  return { source, groups: resolveGroups(own, children, source) };
}

type YamlGroup = { hosts?: Record<string, Record<string, unknown> | null> | null; children?: Record<string, YamlGroup | null> | null } | null;

export function parseYamlInventory(text: string, source: string): Inventory {
  let doc: unknown;
  try {
    doc = yaml().load(text);
  } catch (err) {
    throw new UsageError(`${source}: not a YAML inventory: ${errorMessage(err).split('\n')[0]}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new UsageError(`${source}: a YAML inventory is a map of groups (all: …)`);
  const own = new Map<string, HostSpec[]>();
  const children = new Map<string, string[]>();
  const walk = (name: string, g: YamlGroup): void => {
    if (g !== null && (typeof g !== 'object' || Array.isArray(g))) throw new UsageError(`${source}: group ${name}: expected hosts:/children:/vars:`);
    const list = own.get(name) ?? [];
    own.set(name, list);
    for (const [host, vars] of Object.entries(g?.hosts ?? {})) list.push(...hostEntry(host, vars ?? {}, `${source}: group ${name}`));
    for (const [child, sub] of Object.entries(g?.children ?? {})) {
      children.set(name, [...(children.get(name) ?? []), child]);
      walk(child, sub);
    }
  };
  for (const [name, g] of Object.entries(doc as Record<string, YamlGroup>)) walk(name, g);
  return { source, groups: resolveGroups(own, children, source) };
}

export function parseInventory(format: 'ini' | 'yaml', text: string, source: string): Inventory {
  return format === 'ini' ? parseIniInventory(text, source) : parseYamlInventory(text, source);
}
