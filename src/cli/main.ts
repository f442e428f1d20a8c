import { dispatchCommand } from './dispatch.js';
import { Command, CommanderError } from 'commander';
import { addGlobalOptions } from './context.js';
import { LwtError, errorMessage } from '../errors.js';
import { logger, shutdownLogging } from '../log.js';
import { initCommand } from './init.js';
import { runCommand } from './run.js';
import { execAllCommand } from './exec-all.js';
import { historyCommand, logCommand } from './history.js';
import { monitorCommand } from './monitor.js';
import { hostsCommand } from './hosts.js';
import { putAllCommand, putAllDiffCommand } from './put-all.js';
import { getAllCommand } from './get-all.js';
import { taskCommand } from './task.js';
import { taskUpdateCommand } from './task-update.js';
import { EXIT, EXIT_STATUS_HELP, errorStatus } from './exit-status.js';
import { watchClosedOutput } from './closed-output.js';
import { helpWidth, wrapHelp } from './help-wrap.js';

const commandTree = (c: Command): Command[] => [c, ...c.commands.flatMap(commandTree)];

/** Every verb's command, made only when wanted: building all 28 commands' 430 options took ~4 ms of a start. */
const VERBS: Record<string, () => Command> = {
  'exec-all': execAllCommand,
  'put-all': putAllCommand,
  'put-all-diff': putAllDiffCommand,
  'get-all': getAllCommand,
  monitor: monitorCommand,
  hosts: hostsCommand,
  task: taskCommand,
  'task-update': taskUpdateCommand,
  run: runCommand,
  dispatch: dispatchCommand,
  history: historyCommand,
  log: logCommand,
  init: initCommand,
};

/** Program options that take their value as the next word. */
const VALUE_OPTIONS = new Set(['--home', '--config', '--color']);
/** Program options that neither print help or the version nor take a value (single letters: also clustered, -qv). */
const PLAIN_OPTIONS = new Set(['-q', '--quiet', '-v', '--verbose', '--raw-output']);

/**
 * The verb `argv` runs, when only that verb's command is needed: its first word names a verb
 * after nothing but program options that run no help, no version and no other command.
 * Undefined otherwise (help, `--`, an unknown word or option): then the whole program is built,
 * as commander needs it for help, suggestions and errors.
 */
export function verbOnly(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (VALUE_OPTIONS.has(word)) i++;
    else if (/^--(home|config|color)=/.test(word) || PLAIN_OPTIONS.has(word) || /^-[qv]+$/.test(word)) continue;
    else return Object.hasOwn(VERBS, word) ? word : undefined;
  }
  return undefined;
}

/** The command line: every verb, or only `verb` (what verbOnly found). */
export function buildProgram(verb?: string): Command {
  const program = new Command('lwt')
    .description('Parallel remote execution for host fleets: bounded concurrency, per-host deadlines, whole process trees killed on timeout or Ctrl-C.')
    .version('0.1.0')
    // Options belong to the command they follow: a verb that takes a remote or local command
    // (exec-all, run) passes every word after the command's first one through untouched.
    .enablePositionalOptions()
    .addHelpText('after', `\n${EXIT_STATUS_HELP}\n\nStart with: lwt init, then lwt exec-all --help`);
  for (const make of verb !== undefined ? [VERBS[verb]!] : Object.values(VERBS)) program.addCommand(make());
  for (const cmd of commandTree(program)) addGlobalOptions(cmd);
  return program;
}

/**
 * Parse argv and run one verb. Returns the exit status instead of calling process.exit,
 * so that log files flush and tests can call it. Usage, config and input errors become
 * one line on stderr; per-job failures never reach here (they are outcomes).
 */
export async function main(argv: string[]): Promise<number> {
  watchClosedOutput();
  const program = buildProgram(verbOnly(argv));
  const width = helpWidth();
  // addCommand() does not pass settings down, so every verb gets them here.
  for (const cmd of commandTree(program)) {
    // Descriptions are prose: one paragraph that commander wraps to the width, not hand-wrapped lines.
    cmd.description(cmd.description().replace(/\n(?=\S)/g, ' '));
    cmd.exitOverride();
    cmd.showHelpAfterError('(add --help for usage)');
    cmd.configureOutput({
      writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `lwt: ${s}` : s),
      writeOut: (s) => process.stdout.write(wrapHelp(s, width)),
      getOutHelpWidth: () => width,
    });
  }
  let status: number;
  try {
    await program.parseAsync(argv, { from: 'user' });
    status = typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are exits with status 0; everything else commander rejects is usage.
      status = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    } else if (err instanceof LwtError) {
      process.stderr.write(`lwt: ${err.message}\n`);
      status = errorStatus(err);
    } else {
      process.stderr.write(`lwt: internal error: ${errorMessage(err)}\n`);
      logger().error((err as Error)?.stack ?? String(err));
      status = errorStatus(err);
    }
  }
  await shutdownLogging();
  return status;
}

export async function cli(): Promise<void> {
  const status = await main(process.argv.slice(2));
  process.exitCode = status;
}
