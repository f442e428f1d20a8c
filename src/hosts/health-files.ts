/** Where the monitor keeps the fleet's health: .lwt/health.json and hosts/ok, both written atomically. */
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { homePaths } from '../home.js';
import type { HostHealth } from './health.js';

export const healthFilePath = (home: string): string => join(homePaths(home).state, 'health.json');
export const okFilePath = (home: string): string => join(homePaths(home).hosts, 'ok');

/** hosts/ok: every listed host, probed ones in the order given, then the others. */
export async function writeOkFile(home: string, hosts: Record<string, HostHealth>, order: string[]): Promise<string[]> {
  const listed = new Set(Object.entries(hosts).filter(([, h]) => h.listed).map(([host]) => host));
  const ordered = [...order.filter((h) => listed.has(h)), ...[...listed].filter((h) => !order.includes(h)).sort()];
  const text = `# written by lwt monitor at ${new Date().toISOString()}: ${ordered.length} working hosts\n${ordered.join('\n')}${ordered.length ? '\n' : ''}`;
  await writeFileAtomic(okFilePath(home), text);
  return ordered;
}

