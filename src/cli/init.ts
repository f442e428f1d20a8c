import { Command } from 'commander';
import { resolve } from 'node:path';
import { initHome } from '../commands/init.js';

export function initCommand(): Command {
  return new Command('init')
    .summary('create an lwt home with example files')
    .description('Create DIR (default: the current folder) as an lwt home: hosts/, tasks/, .lwt/ and a .lwtrc.json.\nExisting files are kept.')
    .argument('[DIR]', 'folder to make a home', '.')
    .action(async (dir: string) => {
      const home = resolve(dir);
      const report = await initHome(home);
      const lines = [`lwt home: ${home}`];
      for (const f of report.created) lines.push(`  created ${f}`);
      for (const f of report.kept) lines.push(`  kept    ${f} (already there)`);
      lines.push(
        '',
        'Next:',
        `  1. list your hosts in ${resolve(home, 'hosts/candidates')} (ranges like web[01-20] work)`,
        `  2. try the local core:  lwt --home ${dir} run ${resolve(home, 'tasks/example.jobs')}`,
        `  3. export LWT_HOME=${home} so every lwt command finds this home`,
      );
      process.stdout.write(lines.join('\n') + '\n');
    });
}
