import { Command, InvalidArgumentError } from 'commander';
import { readFile } from 'node:fs/promises';
import { execAll } from '../commands/exec-all.js';
import { isSuccess } from '../core/outcome.js';
import { UsageError } from '../errors.js';
import { formatHostSpec, parseHostSpec, type HostSpec } from '../hosts/host-spec.js';
import { selectHosts, type HostSelection } from '../hosts/select.js';
import { describeFsError } from '../hosts/host-list.js';
import { foldHosts } from '../hosts/fold.js';
import { Reporter } from '../output/reporter.js';
import { exactBytesFiles } from '../output/json-line.js';
import { Connections } from '../runner/connections.js';
import { runVerb } from './run-verb.js';
import { keepYoungGenerationSmall } from './heap.js';
import { terminalScreen } from '../output/screen.js';
import { readRun } from '../runs/journal.js';
import type { StrictHostKeyChecking } from '../ssh/config/types.js';
import { announceHosts, openJournal, sshContextFrom } from './host-run.js';
import { addHostOptions, type HostFlags } from './host-options.js';
import { DEFAULTS, formatBytes } from '../defaults.js';
import { prepare, globalsOf, outputStyles } from './context.js';
import { EXIT_STATUS_HELP } from './exit-status.js';
import { bytes, collect, parseEnv, seconds } from './parse.js';

interface ExecFlags extends HostFlags {
  sshConfig?: string;
  login?: string;
  identity?: string[];
  port?: number;
  connectTimeout?: number;
  handshakes?: number;
  timeout?: number;
  parallel?: number;
  retries?: number;
  retryFailedCommands?: boolean;
  env?: string[];
  stdin?: string;
  sudo?: boolean;
  detach?: boolean;
  gather?: boolean;
  outdir?: string;
  json?: boolean;
  outputCap?: number;
  strictHostKeyChecking?: StrictHostKeyChecking;
  acceptNewHostKeys?: boolean;
  compress?: boolean;
  rerunFailed?: string;
}

export function execAllCommand(): Command {
  const cmd = new Command('exec-all')
    .summary('run a command on every host over SSH')
    .description(
      'Run CMD on every selected host, one SSH connection per host, at most -p at once.\n' +
        'Hosts: -H and/or -w; with neither, <home>/hosts/ok (kept by lwt monitor), else <home>/hosts/candidates.\n' +
        'On deadline (-t) or Ctrl-C the remote process tree is frozen and killed, not just the channel.',
    )
    .argument('[CMD...]', 'the command; several words are joined with spaces (quote it to keep ; and | remote)')
    // `lwt exec-all -w h1 ls -la` runs `ls -la`: from the command's first word on, nothing is ours.
    .passThroughOptions();
  addHostOptions(cmd)
    .option('-t, --timeout <SEC>', "the command's deadline per host, after connecting (default: none)", seconds)
    .option('--retry-failed-commands', 'with --retries, also retry hosts whose command exited non-zero')
    .option('--env <K=V>', 'environment for the command (repeatable)', collect)
    .option('--stdin <FILE>', "send FILE to every command's stdin; - reads lwt's own stdin once and sends it to every host (default: the commands get an empty stdin, even when lwt's stdin is a pipe, as pdsh and clush)")
    .option('--sudo', 'run the command under sudo -n (fails at once where a password would be needed)')
    .option('--detach', 'leave the command running on a host when lwt dies or its connection drops (by default a watchdog there kills the job within seconds); -t and Ctrl-C still kill it')
    .option('-b, --gather', 'print output at the end, hosts with identical output grouped (like clush -b)')
    .option('-o, --outdir <DIR>', 'write DIR/<host>.out and DIR/<host>.err per host (an ssh option is -O, not -o)', outdirArg)
    .option('--json', 'one JSON object per host as it finishes, then a {"summary": …} line')
    .option('--output-cap <BYTES>', `output kept per host and stream, head and tail (default ${formatBytes(DEFAULTS.outputCap)})`, bytes)
    .option('--rerun-failed <RUN>', 'run RUN\'s command again on the hosts that failed or were unreachable in it (RUN: id, prefix, or last)')
    .addHelpText(
      'after',
      `
Output:
  Live lines "host: text" (stdout) and "host:err: text" (stderr, on stderr), never two hosts in one line.
  A summary follows on stderr: counts per outcome, failed and unreachable hosts as ranges, wall time.
  Every run is journaled in <home>/.lwt/runs/ (see lwt history, lwt log).

${EXIT_STATUS_HELP}

Examples:
  lwt exec-all 'uptime'
  lwt exec-all -w 'web[01-20]' -x web07 -p 64 -t 30 -b 'cat /etc/debian_version'
  lwt exec-all -H racks/a --json 'df -h /' > df.jsonl
  lwt exec-all --rerun-failed last`,
    )
    .action(async (words: string[], flags: ExecFlags, command: Command) => {
      keepYoungGenerationSmall();
      const ctx = await prepare('exec-all', globalsOf(command));
      let commandText = words.join(' ').trim();
      let selection: HostSelection;
      if (flags.rerunFailed) {
        const prior = await readRun(ctx.home, flags.rerunFailed);
        const failed = prior.results.filter((r) => !isSuccess(r.outcome)).map((r) => r.host);
        if (failed.length === 0) throw new UsageError(`run ${prior.meta.id} has no failed or unreachable hosts`);
        if (!commandText) commandText = prior.meta.command;
        selection = { hosts: failed.map((h) => parseHostSpec(h)), source: `failed hosts of run ${prior.meta.id}` };
      } else {
        selection = await selectHosts({
          home: ctx.home,
          ...(flags.hosts ? { hostsArg: flags.hosts } : {}),
          ...(flags.targets ? { targets: flags.targets } : {}),
          ...(flags.excludeHosts ? { exclude: flags.excludeHosts } : {}),
        });
      }
      if (!commandText) throw new UsageError('exec-all needs a command: lwt exec-all [options] CMD');
      const env = parseEnv(flags.env ?? []);
      const stdin = flags.stdin ? await readInput(flags.stdin) : undefined;
      const ssh = await sshContextFrom(flags, ctx.settings, 'exec-all');
      const mode = flags.json ? 'json' : flags.gather ? 'gather' : 'live';
      const screen = terminalScreen();
      const hostNames = selection.hosts.map(formatHostSpec);
      announceHosts(screen, hostNames, selection.source, mode === 'json' || globalsOf(command).quiet === true);
      const journal = await openJournal(ctx.home, {
        verb: 'exec-all',
        command: commandText,
        argv: process.argv.slice(2),
        hostSource: selection.source,
        hosts: hostNames,
      });
      const timeoutSec = flags.timeout ?? ctx.settings.timeout;
      const connections = new Connections(ssh);
      const reporter = new Reporter({ screen, mode, noun: 'host', total: selection.hosts.length, jsonId: (r) => ({ host: r.label, ...(journal ? exactBytesFiles(r, (s) => journal.outputFile(r.label, s)) : {}) }), foldLabels: foldHosts, styles: outputStyles(globalsOf(command)), quiet: globalsOf(command).quiet === true });
      const { status } = await runVerb({
        verb: 'exec-all',
        reporter,
        ...(journal ? { journal } : {}),
        ...(flags.outdir ? { outdir: flags.outdir } : {}),
        run: (events, signal) =>
          execAll({
            hosts: selection.hosts,
            command: commandText,
            connections,
            concurrency: flags.parallel ?? ctx.settings.parallel ?? DEFAULTS.parallel,
            ...(timeoutSec ? { timeoutMs: timeoutSec * 1000 } : {}),
            retries: flags.retries ?? ctx.settings.retries ?? 0,
            ...(flags.retryFailedCommands ? { retryFailedCommands: true } : {}),
            ...(Object.keys(env).length ? { env } : {}),
            ...(stdin ? { stdin } : {}),
            ...(flags.sudo ? { sudo: true } : {}),
            ...(flags.detach ? { detach: true } : {}),
            outputCapBytes: flags.outputCap ?? ctx.settings.outputCap ?? DEFAULTS.outputCap,
            signal,
            events,
          }).finally(() => connections.close()),
      });
      process.exitCode = status;
    });
  return cmd;
}

/** `-o -oStrictHostKeyChecking=no` (pssh/clush's ssh option) must not make a folder of that name. */
function outdirArg(value: string): string {
  if (value.startsWith('-')) {
    throw new InvalidArgumentError(`'${value}' looks like an option, not a folder: -o is lwt's output folder; an ssh option is -O KEY=VALUE (a folder named so: ./${value})`);
  }
  return value;
}

async function readInput(path: string): Promise<Buffer> {
  try {
    if (path === '-') {
      if (process.stdin.isTTY) throw new UsageError('--stdin -: stdin is a terminal; pipe the input in (cmd | lwt exec-all --stdin - …) or give a file');
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    }
    return await readFile(path);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--stdin ${path}: ${describeFsError(err)}`);
  }
}

export type { HostSpec };
