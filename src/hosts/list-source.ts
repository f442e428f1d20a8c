/**
 * Where a named host list comes from: -H FILE|NAME, pdsh's `-w ^FILE`, clush's `-w @GROUP`
 * (a list `<home>/hosts/GROUP`, or a group of an Ansible inventory given with -H).
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { UsageError } from '../errors.js';
import type { HostSpec } from './host-spec.js';
import { describeFsError, parseHostList } from './host-list.js';
import { inventoryFormat, parseInventory, type Inventory } from './inventory.js';
import { quoteForMessage } from './quote.js';

/** A path as the operator would type it: relative to the current folder when inside it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Resolve a list argument: an absolute path, or one starting with `.`, is that file; anything
 * else (`web`, `racks/a`) is `<home>/hosts/ARG` when that exists, else a file ARG in the
 * current folder. The home wins so that the same -H means the same list from any folder.
 */
export async function resolveListArg(arg: string, home: string, flag: string): Promise<{ path: string; source: string }> {
  if (arg === '') throw new UsageError(`${flag}: empty host list name`);
  if (isAbsolute(arg) || arg.startsWith('.')) return { path: arg, source: arg };
  const named = join(home, 'hosts', arg);
  if (await isFile(named)) return { path: named, source: displayPath(named) };
  if (await isFile(arg)) return { path: arg, source: arg };
  if (arg.includes('/')) return { path: arg, source: arg };
  throw new UsageError(
    `${flag} ${quoteForMessage(arg)}: no host list ${displayPath(named)} and no file ${quoteForMessage(arg)} here`,
  );
}

/** A list file's hosts, or an inventory (read whole, so its groups can be named). */
export type ListFile = { kind: 'list'; hosts: HostSpec[]; source: string } | { kind: 'inventory'; inventory: Inventory; hosts: HostSpec[]; source: string };

export async function readListArg(arg: string, home: string, flag: string): Promise<ListFile> {
  const { path, source } = await resolveListArg(arg, home, flag);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read host list ${source}: ${describeFsError(err)}`);
  }
  const format = inventoryFormat(path, text);
  if (format === undefined) return { kind: 'list', hosts: parseHostList(text, source), source };
  const inventory = parseInventory(format, text, source);
  return { kind: 'inventory', inventory, hosts: inventory.groups.get('all') ?? [], source };
}

/**
 * `@GROUP`: the group of that name in the inventories given with -H (all that have it), else
 * the list `<home>/hosts/GROUP` (or a file, resolved as -H).
 */
export async function readGroup(name: string, inventories: readonly Inventory[], home: string, flag: string): Promise<HostSpec[]> {
  const having = inventories.filter((inv) => inv.groups.has(name));
  if (having.length > 0) return having.flatMap((inv) => inv.groups.get(name)!);
  try {
    return (await readListArg(name, home, flag)).hosts;
  } catch (err) {
    if (inventories.length === 0 || !(err instanceof UsageError)) throw err;
    const names = inventories.map((inv) => inv.source).join(', ');
    throw new UsageError(`${flag} @${name}: no group ${quoteForMessage(name)} in ${names}, and ${err.message}`);
  }
}
