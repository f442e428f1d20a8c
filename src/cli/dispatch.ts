import { Command, Option } from 'commander';
import { dispatch } from '../commands/dispatch.js';
import { keepHeapSmall } from './heap.js';
import { DEFAULTS, formatBytes } from '../defaults.js';
import { readJoblog, resumeSkip, JoblogWriter } from '../dispatch/joblog.js';
import { readLines } from '../dispatch/line-source.js';
import { SIMULATOR_DEFAULTS, simulatorCommand } from '../dispatch/simulator.js';
import { checkTemplate } from '../dispatch/template.js';
import { UsageError } from '../errors.js';
import { selectHosts } from '../hosts/select.js';
import { logger } from '../log.js';
import { silentLog } from '../core/log-sink.js';
import { DispatchReport, type StdoutMode } from '../output/dispatch-report.js';
import { RunEvents } from '../runner/events.js';
import { Connections } from '../runner/connections.js';
import { globalsOf, prepare } from './context.js';
import { EXIT_STATUS_HELP, signalStatus, worstStatus } from './exit-status.js';
import { sshContextFrom } from './host-run.js';
import { addHostOptions, type HostFlags } from './host-options.js';
import { bytes, collect, nonNegativeInt, parseEnv, positiveInt, seconds } from './parse.js';
import { trapInterrupts } from './signals.js';
import type { SshFlags } from './host-run.js';

interface DispatchFlags extends HostFlags, SshFlags {
  jobs?: number;
  local?: number;
  worker?: string;
  simulate?: boolean;
  simMean?: number;
  simSd?: number;
  simCrashBefore?: number;
  simCrashAfter?: number;
  maxCrashes?: number;
  timeout?: number;
  retries?: number;
  keepOrder?: boolean;
  tag?: boolean;
  env?: string[];
  output?: boolean;
  results?: string;
  failed?: string;
  joblog?: string;
  resume?: boolean;
  resumeFailed?: boolean;
  outputCap?: number;
}

const chance = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !(n >= 0 && n <= 1)) throw new UsageError(`'${v}' is not a probability between 0 and 1`);
  return n;
};

export function dispatchCommand(): Command {
  const cmd = new Command('dispatch')
    .summary('run a job per stdin line over host slots and local slots')
    .description(
      'Read lines on stdin; run CMD once per line on a free slot: -j per host (channels of one\n' +
        'connection per host) and --local N here. {} is the line, {1} {2}… its fields, {#} its\n' +
        'number, all shell-quoted; without any, the line is appended. With --worker, one long-lived\n' +
        'WORKER per slot reads lines and writes each back when done (crashed workers restart).\n' +
        'A lost host gives its lines to other slots at once and rejoins when it answers again.\n' +
        'Every line is reported exactly once: on stdout when done, on stderr and in --failed when\n' +
        'it failed for good. Lines run at least once (a worker that crashed after the work may\n' +
        'have done it). Without -H/-w only local slots are used.',
    )
    .argument('[CMD...]', 'the command template (quote it to keep ; and | in one job)')
    .passThroughOptions();
  addHostOptions(cmd, { perJob: true })
    .option('-j, --jobs <N>', `slots per host (default ${DEFAULTS.dispatchSlotsPerHost}; at most 9: OpenSSH allows 10 channels and the remote kill needs one)`, positiveInt)
    .option('--local <N>', `local slots (default: 0 with hosts, else ${DEFAULTS.dispatchLocal})`, nonNegativeInt)
    .option('--worker <WORKER>', 'worker mode: run WORKER per slot and feed it lines (see above)')
    .option('--simulate', 'worker mode with the built-in work simulator (a self-test of recovery)')
    .option('--sim-mean <MS>', `simulated work time, mean (default ${SIMULATOR_DEFAULTS.meanMs})`, seconds)
    .option('--sim-sd <MS>', `simulated work time, standard deviation (default ${SIMULATOR_DEFAULTS.sdMs})`, seconds)
    .option('--sim-crash-before <P>', `chance to crash before reporting a line (default ${SIMULATOR_DEFAULTS.crashBefore})`, chance)
    .option('--sim-crash-after <P>', `chance to crash right after reporting it (default ${SIMULATOR_DEFAULTS.crashAfter})`, chance)
    .option('--max-crashes <K>', `a line that crashed workers K times is poison: failed, not retried (default ${DEFAULTS.dispatchMaxCrashes})`, positiveInt)
    .option('--env <K=V>', 'environment for the jobs or workers, local and remote (repeatable)', collect)
    .option('-t, --timeout <SEC>', "a job's deadline once it has a slot (default: none)", seconds)
    .option('--retries <N>', 'run a failed job again up to N times, on another host where there is one (default 0)', nonNegativeInt)
    .option('-k, --keep-order', `report in input order (at most ${DEFAULTS.dispatchReorderWindow} finished lines wait for an earlier one; intake pauses meanwhile)`)
    .addOption(new Option('--output', "stdout gets each job's output instead of its line").conflicts('tag'))
    .option('--tag', "stdout gets each job's output lines (stderr its error lines), each prefixed with its input line and a TAB")
    .option('--results <DIR>', 'DIR/<line number>/{line,stdout,stderr,outcome} per finished line')
    .option('--failed <FILE>', 'append "line TAB host TAB outcome" per failed line')
    .option('--joblog <FILE>', "GNU parallel's joblog (Seq Host Starttime JobRuntime Send Receive Exitval Signal Command)")
    .addOption(new Option('--resume', 'with --joblog: pass over lines already in it').conflicts('resumeFailed'))
    .option('--resume-failed', 'with --joblog: pass over lines that succeeded in it, run failed ones again')
    .option('--output-cap <BYTES>', `output kept per job and stream (default ${formatBytes(DEFAULTS.outputCap)})`, bytes)
    .addHelpText(
      'after',
      `
${EXIT_STATUS_HELP}

Examples:
  seq 1000 | lwt dispatch -H hosts/ok -j 8 'gzip -9 /data/{}.log'
  find . -name '*.wav' | lwt dispatch --local 4 --joblog enc.log --resume 'flac -s {}'
  seq 10000 | lwt dispatch --simulate --local 8`,
    );
  return cmd.action(async (words: string[], flags: DispatchFlags, command: Command) => {
    keepHeapSmall();
    const globals = globalsOf(command);
    const ctx = await prepare('dispatch', globals);
    const template = words.join(' ').trim();
    const modes = [template !== '', flags.worker !== undefined, flags.simulate === true].filter(Boolean).length;
    if (modes !== 1) throw new UsageError('dispatch needs exactly one of: a command template, --worker WORKER, --simulate');
    if (template) checkTemplate(template);
    if ((flags.resume || flags.resumeFailed) && !flags.joblog) throw new UsageError('--resume and --resume-failed need --joblog FILE');
    if (process.stdin.isTTY) throw new UsageError('dispatch reads its jobs on stdin, and stdin is a terminal: pipe lines in');
    const env = parseEnv(flags.env ?? []);
    const perHost = flags.jobs ?? DEFAULTS.dispatchSlotsPerHost;
    if (perHost > 9) throw new UsageError(`-j ${perHost}: at most 9 slots per host (OpenSSH's MaxSessions is 10 and the remote kill needs a channel)`);
    const withHosts = (flags.hosts?.length ?? 0) + (flags.targets?.length ?? 0) > 0;
    const selection = withHosts
      ? await selectHosts({ home: ctx.home, ...(flags.hosts ? { hostsArg: flags.hosts } : {}), ...(flags.targets ? { targets: flags.targets } : {}), ...(flags.excludeHosts ? { exclude: flags.excludeHosts } : {}) })
      : undefined;
    const local = flags.local ?? (withHosts ? 0 : DEFAULTS.dispatchLocal);
    if (local === 0 && !selection?.hosts.length) throw new UsageError('dispatch has no slots: give hosts (-H/-w) or --local N');
    const worker = flags.simulate
      ? simulatorCommand({
          meanMs: flags.simMean ?? SIMULATOR_DEFAULTS.meanMs,
          sdMs: flags.simSd ?? SIMULATOR_DEFAULTS.sdMs,
          crashBefore: flags.simCrashBefore ?? SIMULATOR_DEFAULTS.crashBefore,
          crashAfter: flags.simCrashAfter ?? SIMULATOR_DEFAULTS.crashAfter,
        })
      : flags.worker;
    const done = flags.joblog && (flags.resume || flags.resumeFailed) ? readJoblog(flags.joblog) : undefined;
    const skip = done ? resumeSkip(done, flags.resume ? 'resume' : 'resume-failed') : undefined;
    const joblog = flags.joblog ? new JoblogWriter(flags.joblog) : undefined;
    const ssh = selection?.hosts.length ? await sshContextFrom(flags, ctx.settings, 'dispatch') : undefined;
    const connections = ssh ? new Connections(ssh, { keepIdle: true }) : undefined;
    const mode: StdoutMode = flags.tag ? 'tag' : flags.output ? 'output' : 'lines';
    const report = new DispatchReport({
      stdout: process.stdout,
      err: (t) => void process.stderr.write(t),
      mode,
      ...(joblog ? { joblog } : {}),
      ...(flags.failed ? { failedFile: flags.failed } : {}),
      ...(flags.results ? { resultsDir: flags.results } : {}),
      ...(flags.keepOrder ? { keepOrder: DEFAULTS.dispatchReorderWindow } : {}),
      quiet: globals.quiet === true,
    });
    const interrupt = trapInterrupts((n) => logger('dispatch').warn(n === 2 ? 'still killing jobs; interrupt once more to exit at once' : 'exiting'));
    const events = new RunEvents();
    report.attach(events);
    try {
      const summary = await dispatch({
        lines: readLines(process.stdin, {
          signal: interrupt.signal,
          ...(skip ? { skip: (seq: number) => (skip(seq) ? (report.skipped(seq), true) : false) } : {}),
          gate: () => report.gate(interrupt.signal),
        }),
        ...(worker !== undefined ? { worker } : { command: template }),
        hosts: selection?.hosts ?? [],
        ...(connections ? { connections } : {}),
        perHost,
        local,
        ...(flags.timeout ? { timeoutMs: flags.timeout * 1000 } : {}),
        retries: flags.retries ?? 0,
        ...(Object.keys(env).length ? { env } : {}),
        maxCrashes: flags.maxCrashes ?? DEFAULTS.dispatchMaxCrashes,
        outputCapBytes: flags.outputCap ?? ctx.settings.outputCap ?? DEFAULTS.outputCap,
        signal: interrupt.signal,
        events,
        // Only the hosts' side logs (probes, remote kills); local slots have nothing to say there.
        log: ssh?.log ?? silentLog,
      }).finally(() => connections?.close());
      report.finish(summary);
      process.exitCode = summary.interrupted ? signalStatus(summary.interrupted) : worstStatus(summary.failures);
    } finally {
      interrupt.dispose();
    }
  });
}
