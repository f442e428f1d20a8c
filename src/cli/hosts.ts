import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { healthFilePath, okFilePath, writeOkFile } from '../hosts/health-files.js';
import { LwtError } from '../errors.js';
import { acquireHomeLock } from '../home-lock.js';
import { homePaths } from '../home.js';
import { addHosts, removeHosts } from '../hosts/candidates-file.js';
import { readHealth, writeHealth } from '../hosts/health.js';
import { readHostListFile, parseInlineHosts } from '../hosts/host-list.js';
import { formatHostSpec } from '../hosts/host-spec.js';
import { foldHosts } from '../hosts/fold.js';
import { prepare, globalsOf } from './context.js';

const candidatesPath = (home: string): string => join(homePaths(home).hosts, 'candidates');

export function hostsCommand(): Command {
  const hosts = new Command('hosts')
    .summary('list and edit the candidate hosts; show the healthy ones')
    .description('Without a subcommand: the candidates with the state the monitor last saw and since when.');

  hosts
    .command('list', { isDefault: true })
    .description('candidates with their state, listed in hosts/ok or not, and since when')
    .action(async (_f: unknown, cmd: Command) => {
      const ctx = await prepare('hosts', globalsOf(cmd), { logToHome: false });
      const candidates = (await readHostListFile(candidatesPath(ctx.home))).map(formatHostSpec);
      const health = await readHealth(healthFilePath(ctx.home));
      const rows = [['HOST', 'STATE', 'LISTED', 'SINCE', 'WHY']];
      for (const h of candidates) {
        const s = health.hosts[h];
        rows.push(s ? [h, s.state, s.listed ? 'yes' : 'no', s.since.replace('T', ' ').slice(0, 19), s.state === 'ok' ? '' : s.why] : [h, 'unprobed', 'no', '-', '']);
      }
      const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
      process.stdout.write(rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
    });

  hosts
    .command('add')
    .description('add hosts to hosts/candidates (ranges allowed; comments and order kept; atomic)')
    .argument('<LIST...>', 'hosts: web[01-20] db1,db2 root@db3:2222')
    .action(async (lists: string[], _f: unknown, cmd: Command) => {
      const ctx = await prepare('hosts', globalsOf(cmd), { logToHome: false });
      const specs = lists.flatMap((l) => parseInlineHosts(l, 'hosts add'));
      const added = await addHosts(candidatesPath(ctx.home), specs);
      process.stdout.write(`added ${added.length} host${added.length === 1 ? '' : 's'}${added.length ? `: ${foldHosts(added.map(formatHostSpec))}` : ''} to ${candidatesPath(ctx.home)}\n`);
    });

  hosts
    .command('rm')
    .description('remove hosts from hosts/candidates, and from hosts/ok at once')
    .argument('<LIST...>', 'hosts or ranges to remove')
    .action(async (lists: string[], _f: unknown, cmd: Command) => {
      const ctx = await prepare('hosts', globalsOf(cmd), { logToHome: false });
      const specs = lists.flatMap((l) => parseInlineHosts(l, 'hosts rm'));
      const removed = (await removeHosts(candidatesPath(ctx.home), specs)).map(formatHostSpec);
      process.stdout.write(`removed ${removed.length} host${removed.length === 1 ? '' : 's'}${removed.length ? `: ${foldHosts(removed)}` : ''} from ${candidatesPath(ctx.home)}\n`);
      if (removed.length === 0) return;
      // Take them out of the health state and hosts/ok now, unless a monitor runs (its cycle
      // will prune them when it next probes the candidates).
      let lock;
      try {
        lock = await acquireHomeLock(join(homePaths(ctx.home).state, 'monitor.lock'), 'hosts rm');
      } catch (err) {
        if (!(err instanceof LwtError)) throw err;
        process.stdout.write(`a monitor is running: hosts/ok drops them at its next cycle\n`);
        return;
      }
      try {
        const health = await readHealth(healthFilePath(ctx.home));
        for (const h of removed) delete health.hosts[h];
        await writeHealth(healthFilePath(ctx.home), health);
        const candidates = (await readHostListFile(candidatesPath(ctx.home))).map(formatHostSpec);
        await writeOkFile(ctx.home, health.hosts, candidates);
      } finally {
        await lock.release();
      }
    });

  hosts
    .command('expand')
    .description('print a host list expanded, one host a line')
    .argument('<LIST...>', 'e.g. node[01-04] 10.0.[1-2].[1-3]')
    .action((lists: string[]) => {
      const names = lists.flatMap((l) => parseInlineHosts(l, 'hosts expand')).map(formatHostSpec);
      process.stdout.write(names.join('\n') + (names.length ? '\n' : ''));
    });

  hosts
    .command('ok')
    .description('print hosts/ok: the hosts the monitor found working')
    .action(async (_f: unknown, cmd: Command) => {
      const ctx = await prepare('hosts', globalsOf(cmd), { logToHome: false });
      let text: string;
      try {
        text = await readFile(okFilePath(ctx.home), 'utf8');
      } catch {
        throw new LwtError(`no ${okFilePath(ctx.home)} yet: run lwt monitor first`, 'not-found');
      }
      process.stdout.write(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => `${l}\n`).join(''));
    });
  return hosts;
}
