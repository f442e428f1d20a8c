import { resolve, join } from 'node:path';
import { homedir } from 'node:os';

/**
 * The home is the folder holding hosts/ and tasks/ (and lwt's own .lwt/: logs, runs, state).
 * Chosen by --home, then LWT_HOME, then the config's `home`, then the current folder.
 */
export function resolveHome(flag: string | undefined, configHome: string | undefined, configFile?: string): string {
  const pick = flag ?? process.env.LWT_HOME ?? configHome;
  if (pick === undefined || pick === '') return process.cwd();
  const expanded = pick === '~' || pick.startsWith('~/') ? join(homedir(), pick.slice(1)) : pick;
  // A relative home in a config file is relative to that file, not to wherever cron runs us.
  if (flag === undefined && !process.env.LWT_HOME && configFile) return resolve(join(configFile, '..'), expanded);
  return resolve(expanded);
}

export const homePaths = (home: string) => ({
  hosts: join(home, 'hosts'),
  tasks: join(home, 'tasks'),
  state: join(home, '.lwt'),
  logs: join(home, '.lwt', 'logs'),
  runs: join(home, '.lwt', 'runs'),
});
