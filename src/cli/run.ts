import { Command } from 'commander';
import { readJobSource, parseJobLines } from '../commands/job-file.js';
import { runLocal } from '../commands/run.js';
import { Reporter } from '../output/reporter.js';
import { runVerb } from './run-verb.js';
import { terminalScreen } from '../output/screen.js';
import { prepare, globalsOf, outputStyles } from './context.js';
import { DEFAULTS, formatBytes } from '../defaults.js';
import { bytes, positiveInt, seconds } from './parse.js';
import { EXIT_STATUS_HELP } from './exit-status.js';
import { SPAWNER_KINDS, spawnerKinds } from '../core/spawner.js';
import { UsageError } from '../errors.js';

interface RunFlags {
  parallel?: number;
  timeout?: number;
  json?: boolean;
  outputCap?: number;
}


export function runCommand(): Command {
  return new Command('run')
    .summary('run shell commands locally, one per line, in parallel')
    .description(
      'Read one shell command per line from FILE (or stdin) and run each with `sh -c` in its own\n' +
        'process group, at most -p at once. A job past its deadline has its whole process tree\n' +
        'frozen and killed, including children that ignore SIGTERM or left with setsid.\n' +
        'Blank lines and lines starting with # are skipped.',
    )
    .argument('[FILE]', "job file; '-' or none reads stdin")
    .passThroughOptions()
    .option('-p, --parallel <N>', `jobs at once (default: 4 × cores = ${DEFAULTS.runParallel})`, positiveInt)
    .option('-t, --timeout <SEC>', 'per-job deadline in seconds, fractions allowed (default: none)', seconds)
    .option('--json', 'one JSON object per job as it ends, then a {"summary": …} line; no live output')
    .option('--output-cap <BYTES>', `output kept in memory per job and stream, head and tail (default ${formatBytes(DEFAULTS.outputCap)})`, bytes)
    .addHelpText(
      'after',
      `
Output:
  Live lines are prefixed with the job number: "3: text" (stdout), "3:err: text" (stderr).
  A summary follows on stderr: counts per outcome and each failed job with its command.

Environment:
  LWT_SPAWNER  helpers that start the jobs, tried in order: python3,perl (default); none: lwt
               forks each job itself

${EXIT_STATUS_HELP}

Examples:
  lwt run -p 16 -t 60 jobs.txt
  seq 1 100 | sed 's/^/sleep 0.1; echo /' | lwt run -p 50 --json`,
    )
    .action(async (file: string | undefined, flags: RunFlags, cmd: Command) => {
      const ctx = await prepare('run', globalsOf(cmd));
      const spawners = spawnerKinds(process.env.LWT_SPAWNER);
      if (!spawners) throw new UsageError(`LWT_SPAWNER: ${process.env.LWT_SPAWNER}: not a list of ${SPAWNER_KINDS.map((k) => k.name).join(', ')} or none`);
      const jobs = parseJobLines(await readJobSource(file));
      const timeoutSec = flags.timeout ?? ctx.settings.timeout;
      const json = flags.json === true;
      const reporter = new Reporter({ screen: terminalScreen(), mode: json ? 'json' : 'live', noun: 'job', total: jobs.length, jsonId: (r) => ({ job: Number(r.label) }), detailed: true, styles: outputStyles(globalsOf(cmd)), quiet: globalsOf(cmd).quiet === true });
      const { status } = await runVerb({
        verb: 'run',
        reporter,
        run: (events, signal) =>
          runLocal({
            jobs,
            concurrency: flags.parallel ?? ctx.settings.parallel ?? DEFAULTS.runParallel,
            ...(timeoutSec ? { timeoutMs: timeoutSec * 1000 } : {}),
            outputCapBytes: flags.outputCap ?? ctx.settings.outputCap ?? DEFAULTS.outputCap,
            signal,
            events,
            spawners,
          }),
      });
      process.exitCode = status;
    });
}
