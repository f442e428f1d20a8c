import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeOutcomeOf, formatMs, isSuccess } from '../core/outcome.js';
import { UsageError } from '../errors.js';
import { foldHosts } from '../hosts/fold.js';
import { listRuns, readRun } from '../runs/journal.js';
import { prepare, globalsOf } from './context.js';
import { positiveInt } from './parse.js';
import { count } from '../output/plural.js';

export function historyCommand(): Command {
  return new Command('history')
    .summary('list recent runs from the journal')
    .description('List recent runs recorded in <home>/.lwt/runs/, newest first.')
    .option('-n, --limit <N>', 'how many runs (default 20)', positiveInt)
    .action(async (flags: { limit?: number }, cmd: Command) => {
      const ctx = await prepare('history', globalsOf(cmd), { logToHome: false });
      const runs = await listRuns(ctx.home, flags.limit ?? 20);
      if (runs.length === 0) {
        process.stdout.write(`no runs yet in ${ctx.home}/.lwt/runs\n`);
        return;
      }
      for (const r of runs) {
        const counts = r.counts ? Object.entries(r.counts).map(([k, n]) => `${n} ${k}`).join(', ') : 'running or interrupted';
        const wall = r.wallMs !== undefined ? formatMs(r.wallMs) : '-';
        process.stdout.write(`${r.id}  ${r.verb}  ${count(r.hosts.length, 'host')}  ${wall}  ${counts}  ${JSON.stringify(r.command)}\n`);
      }
    });
}

export function logCommand(): Command {
  return new Command('log')
    .summary("print a run's outcomes and output")
    .description('Print the outcome and output of every host of RUN, or of one HOST. RUN: an id, a unique prefix, or last.')
    .argument('<RUN>', 'run id, prefix, or last')
    .argument('[HOST]', 'only this host')
    .action(async (ref: string, host: string | undefined, _flags: unknown, cmd: Command) => {
      const ctx = await prepare('log', globalsOf(cmd), { logToHome: false });
      const { meta, results, dir } = await readRun(ctx.home, ref);
      const chosen = host ? results.filter((r) => r.host === host) : results;
      if (host && chosen.length === 0) throw new UsageError(`run ${meta.id} has no host '${host}'`);
      const out: string[] = [];
      if (!host) {
        out.push(`run ${meta.id}: ${meta.verb} ${JSON.stringify(meta.command)} on ${count(meta.hosts.length, 'host')} from ${meta.hostSource}`);
        out.push(`started ${meta.startedAt}${meta.endedAt ? `, ended ${meta.endedAt}` : ' (not finished)'}`);
        const failed = results.filter((r) => !isSuccess(r.outcome)).map((r) => r.host);
        if (failed.length) out.push(`failed: ${foldHosts(failed)}`);
      }
      for (const r of chosen) {
        out.push(`== ${r.host}: ${describeOutcomeOf(r.host, r.outcome)} in ${formatMs(r.durationMs)}`);
        if (r.stdoutFile) out.push((await readFile(join(dir, r.stdoutFile), 'utf8')).replace(/\n$/, ''));
        if (r.stderrFile) out.push((await readFile(join(dir, r.stderrFile), 'utf8')).replace(/\n$/, '').replace(/^/gm, 'stderr: '));
      }
      process.stdout.write(out.join('\n') + '\n');
    });
}
