import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { configTemplate } from '../defaults.js';
import { homePaths } from '../home.js';

const CANDIDATES = `# Candidate hosts, one a line: [user@]host[:port]
# Ranges keep zero padding: node[01-20,25]  10.0.[1-3].[1-50]
# lwt monitor probes these and keeps the ones that work in hosts/ok;
# commands use hosts/ok when no -H/-w is given, else this file.
#
# web[01-04]
# deploy@db1:2222
`;

const JOBS = `# One shell command per line for \`lwt run\`; blank lines and # comments are skipped.
echo hello from job 1
sleep 1; echo job 2 slept a second
exit 3
sh -c 'kill -SEGV $$'
`;

const TASK = `# A long task: lwt task add example --count 2; then lwt task-update (from cron) places,
# starts, checks and fetches it. Results land in tasks/example/results/<id>/.
command: 'echo "started on $(hostname) as $LWT_TASK_ID"; sleep 30; date > finished.txt'
outputs: [finished.txt]
timeout: 10m
retries: 1
`;


export interface InitReport {
  created: string[];
  kept: string[];
}

/** Create a home with example files. Existing files are kept, never overwritten. */
export async function initHome(dir: string): Promise<InitReport> {
  const p = homePaths(dir);
  const report: InitReport = { created: [], kept: [] };
  for (const folder of [p.hosts, p.tasks, join(p.tasks, 'example')]) await mkdir(folder, { recursive: true });
  // Logs and the run journal hold remote output, which often holds secrets.
  for (const folder of [p.logs, p.runs]) await mkdir(folder, { recursive: true, mode: 0o700 });
  const files: [string, string][] = [
    [join(p.hosts, 'candidates'), CANDIDATES],
    [join(p.tasks, 'example.jobs'), JOBS],
    [join(p.tasks, 'example', 'task.yaml'), TASK],
    [join(dir, '.lwtrc.json'), configTemplate()],
  ];
  for (const [path, text] of files) {
    try {
      await writeFile(path, text, { flag: 'wx' });
      report.created.push(relative(dir, path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      report.kept.push(relative(dir, path));
    }
  }
  return report;
}
