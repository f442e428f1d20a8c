import { Command } from 'commander';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { monitorCycle } from '../commands/monitor.js';
import { formatMonitorSummary, formatMonitorTable, monitorJsonLine } from '../output/monitor-report.js';
import { Connections } from '../runner/connections.js';
import { RunEvents } from '../runner/events.js';
import { EXIT, signalStatus } from './exit-status.js';
import { trapInterrupts } from './signals.js';
import { reasonOf } from '../core/kill-reason.js';
import { UsageError } from '../errors.js';
import { acquireHomeLock } from '../home-lock.js';
import { homePaths } from '../home.js';
import { DEFAULT_THRESHOLDS } from '../hosts/health.js';
import { readHostListFile } from '../hosts/host-list.js';
import { selectHosts } from '../hosts/select.js';
import { logger } from '../log.js';
import { terminalScreen } from '../output/screen.js';
import { sshContextFrom, type SshFlags } from './host-run.js';
import { prepare, globalsOf } from './context.js';
import { addHostOptions, type HostFlags } from './host-options.js';
import { DEFAULTS, formatBytes } from '../defaults.js';
import { bytes, positiveInt, seconds } from './parse.js';
import { mkdir } from 'node:fs/promises';

interface MonitorFlags extends SshFlags, HostFlags {
  parallel?: number;
  probeTimeout?: number;
  diskPath?: string;
  load?: boolean;
  bandwidth?: number | true;
  minRate?: number;
  maxLoad?: number;
  maxDisk?: number;
  dropAfter?: number;
  restoreAfter?: number;
  json?: boolean;
  watch?: number;
}


export function monitorCommand(): Command {
  const cmd = new Command('monitor')
    .summary('probe the candidate hosts and keep hosts/ok, the list of hosts that work')
    .description(
      'Probe every candidate host in parallel (TCP, SSH handshake and auth, then one command that\n' +
        'reports load, uptime, free disk and memory), classify it, and keep <home>/hosts/ok: the hosts\n' +
        'other commands use when none are named. A host leaves the list after --drop-after failures in a\n' +
        'row and comes back after --restore-after successes. State lives in <home>/.lwt/health.json.\n' +
        'Candidates: <home>/hosts/candidates, or -H/-w.',
    );
  addHostOptions(cmd, { parallel: DEFAULTS.monitorParallel })
    .option('--probe-timeout <SEC>', `deadline of the probe command after connecting (default ${DEFAULTS.probeTimeout})`, seconds)
    .option('--disk-path <PATH>', 'remote path whose free disk is reported (default /)')
    .option('--load', 'also report CPU and memory use (total and of the login user) and lwt processes per host')
    .option('--bandwidth [BYTES]', `also upload and download BYTES (default ${formatBytes(DEFAULTS.bandwidthBytes)}) and mark hosts under --min-rate as slow`, bytes)
    .option('--min-rate <BYTES>', `bytes per second under which --bandwidth marks a host slow (default ${formatBytes(DEFAULT_THRESHOLDS.minRate)})`, bytes)
    .option('--max-load <N>', `1-minute load per CPU over which a host is overloaded (default ${DEFAULT_THRESHOLDS.maxLoadPerCpu})`, Number)
    .option('--max-disk <PCT>', `disk use over which a host is overloaded (default ${DEFAULT_THRESHOLDS.maxDiskPct})`, Number)
    .option('--drop-after <K>', `consecutive failures that drop a listed host (default ${DEFAULTS.dropAfter})`, positiveInt)
    .option('--restore-after <M>', `consecutive successes that list a host again (default ${DEFAULTS.restoreAfter})`, positiveInt)
    .option('--json', 'one JSON object per host, then a {"summary": …} line')
    .option('--watch <SEC>', 'repeat the cycle every SEC seconds until interrupted', seconds)
    .addHelpText(
      'after',
      `
Cycle time: about ceil(silent hosts / -p) x --connect-timeout + the probes; with -p at least the
number of candidates it is one connect timeout plus one probe timeout. Default -p ${DEFAULTS.monitorParallel}.

States: ok, overloaded (load or disk over the thresholds), slow (--bandwidth), auth, host-key,
refused (also resets and failing probes), timeout, dns. Only ok counts as working.

Exit status: 0 the cycle ran (whatever the hosts' states); 2 usage error; ${EXIT.busy} another monitor
holds the home's lock (named in the message); 130/143 interrupted.

Examples:
  lwt monitor                         # from cron: */5 * * * * lwt --home /srv/fleet monitor -q
  lwt monitor --drop-after 1 --load --json
  lwt monitor -w 'web[01-40]' --bandwidth 4M --min-rate 2M`,
    )
    .action(async (flags: MonitorFlags, command: Command) => {
      const g = globalsOf(command);
      const ctx = await prepare('monitor', g);
      const log = logger('monitor');
      const explicit = Boolean(flags.hosts || flags.targets);
      const hosts = explicit
        ? (await selectHosts({
            home: ctx.home,
            ...(flags.hosts ? { hostsArg: flags.hosts } : {}),
            ...(flags.targets ? { targets: flags.targets } : {}),
            ...(flags.excludeHosts ? { exclude: flags.excludeHosts } : {}),
          })).hosts
        : await readCandidates(ctx.home, flags.excludeHosts);
      await mkdir(homePaths(ctx.home).state, { recursive: true });
      const lock = await acquireHomeLock(join(homePaths(ctx.home).state, 'monitor.lock'), 'monitor');
      const interrupt = trapInterrupts();
      const screen = terminalScreen();
      try {
        const ssh = await sshContextFrom(flags, ctx.settings, 'monitor');
        const connections = new Connections(ssh);
        for (;;) {
          let done = 0;
          const events = new RunEvents().on((e) => e.type === 'job-settled' && screen.status(`[${++done}/${hosts.length} hosts probed]`));
          const report = await monitorCycle({
            home: ctx.home,
            hosts,
            connections,
            events,
            concurrency: flags.parallel ?? ctx.settings.parallel ?? DEFAULTS.monitorParallel,
            probeTimeoutMs: (flags.probeTimeout ?? DEFAULTS.probeTimeout) * 1000,
            diskPath: flags.diskPath ?? '/',
            load: flags.load === true,
            ...(flags.bandwidth !== undefined ? { bandwidthBytes: flags.bandwidth === true ? DEFAULTS.bandwidthBytes : flags.bandwidth } : {}),
            thresholds: {
              maxLoadPerCpu: flags.maxLoad ?? DEFAULT_THRESHOLDS.maxLoadPerCpu,
              maxDiskPct: flags.maxDisk ?? DEFAULT_THRESHOLDS.maxDiskPct,
              minRate: flags.minRate ?? DEFAULT_THRESHOLDS.minRate,
            },
            hysteresis: { dropAfter: flags.dropAfter ?? DEFAULTS.dropAfter, restoreAfter: flags.restoreAfter ?? DEFAULTS.restoreAfter },
            signal: interrupt.signal,
            prune: !explicit,
          });
          screen.close();
          if (report.cancelled) {
            screen.err('monitor interrupted: state and hosts/ok left as they were\n');
            break;
          }
          if (flags.json) {
            for (const r of report.rows) screen.out(monitorJsonLine(r));
            const listed = report.rows.filter((r) => r.listed).length;
            screen.out(JSON.stringify({ summary: { total: report.rows.length, listed, wallMs: report.wallMs, okFile: report.okFile } }) + '\n');
          } else {
            if (!g.quiet) screen.out(formatMonitorTable(report.rows));
            screen.err(formatMonitorSummary(report));
          }
          if (flags.watch === undefined) break;
          log.debug(`next cycle in ${flags.watch} s`);
          try {
            await sleep(flags.watch * 1000, undefined, { signal: interrupt.signal });
          } catch {
            break;
          }
        }
        await connections.close();
        const reason = interrupt.signal.aborted ? reasonOf(interrupt.signal) : undefined;
        process.exitCode = reason?.kind === 'cancelled' && reason.signal ? signalStatus(reason.signal) : EXIT.ok;
      } finally {
        interrupt.dispose();
        await lock.release();
      }
    });
  return cmd;
}

export async function readCandidates(home: string, exclude: string[] | undefined): Promise<import('../hosts/host-spec.js').HostSpec[]> {
  const path = join(homePaths(home).hosts, 'candidates');
  if (exclude?.length) return (await selectHosts({ home, hostsArg: path, exclude })).hosts;
  const hosts = await readHostListFile(path).catch((err: unknown) => {
    if (err instanceof UsageError && /no such file/.test(err.message)) {
      throw new UsageError(`no candidates: ${path} does not exist (lwt hosts add LIST, or give -H/-w)`);
    }
    throw err;
  });
  if (hosts.length === 0) throw new UsageError(`no candidates: ${path} lists no hosts`);
  return hosts;
}
