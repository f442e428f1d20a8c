import { Command } from 'commander';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { taskCycle, type CycleReport } from '../commands/task-update.js';
import { formatMs } from '../core/outcome.js';
import { LwtError, UsageError } from '../errors.js';
import { monitorCycle } from '../commands/monitor.js';
import { DEFAULT_THRESHOLDS } from '../hosts/health.js';
import { DEFAULTS } from '../defaults.js';
import { readCandidates } from './monitor.js';
import { acquireHomeLock, lockHolder } from '../home-lock.js';
import { homePaths } from '../home.js';
import { healthFilePath, okFilePath } from '../hosts/health-files.js';
import { readHealth } from '../hosts/health.js';
import { parseHostList } from '../hosts/host-list.js';
import { formatHostSpec } from '../hosts/host-spec.js';
import { logger } from '../log.js';
import { terminalScreen } from '../output/screen.js';
import { Connections } from '../runner/connections.js';
import { TaskStore } from '../tasks/store.js';
import { prepare, globalsOf } from './context.js';
import { addHostOptions } from './host-options.js';
import { EXIT, EXIT_STATUS_HELP, signalStatus } from './exit-status.js';
import { openJournal, sshContextFrom, type SshFlags } from './host-run.js';
import { positiveInt, seconds } from './parse.js';
import { trapInterrupts } from './signals.js';
import { reasonOf } from '../core/kill-reason.js';

interface TaskUpdateFlags extends SshFlags {
  parallel?: number;
  slots?: number;
  hostTimeout?: number;
  transferTimeout?: number;
  lostAfter?: number;
  lostAfterMinutes?: number;
  staleAfterMinutes?: number;
  slotsNight?: number;
  night?: string;
  monitor?: boolean;
  watch?: number;
  json?: boolean;
}

export const TASK_DEFAULTS = { slots: 2, hostTimeoutSec: 60, transferTimeoutSec: 600, lostAfterCycles: 3, lostAfterMinutes: 30, staleLockMinutes: 60 } as const;

export function taskUpdateCommand(): Command {
  const cmd = new Command('task-update')
    .summary('one scheduling cycle for long tasks (run it from cron)')
    .description(
      'Check the hosts of running tasks (one command per host), kill tasks past their timeout,\n' +
        'fetch the results of ended ones, retry and respawn per their definitions, place new\n' +
        'tasks on hosts of hosts/ok with free slots and start them detached. One cycle at a time\n' +
        'per home (a lock); every change of a task is written to .lwt/tasks/ before the next step.',
    );
  addHostOptions(cmd)
    .option('--slots <N>', `tasks at once per host (default ${TASK_DEFAULTS.slots})`, positiveInt)
    .option('--slots-night <N>', 'tasks at once per host during night hours (default: --slots)', positiveInt)
    .option('--night <HH-HH>', 'night hours, local time, for --slots-night (default 22-6)')
    .option('--monitor', 'run one monitor cycle over hosts/candidates first, so placement uses fresh health')
    .option('--host-timeout <SEC>', `each host's deadline for a check or start (default ${TASK_DEFAULTS.hostTimeoutSec})`, seconds)
    .option('--transfer-timeout <SEC>', `each host's deadline for uploads or fetches; a slow host resumes next cycle (default ${TASK_DEFAULTS.transferTimeoutSec})`, seconds)
    .option('--lost-after <CYCLES>', `cycles without an answer before a task is placed elsewhere (default ${TASK_DEFAULTS.lostAfterCycles})`, positiveInt)
    .option('--lost-after-minutes <MIN>', `or minutes without an answer (default ${TASK_DEFAULTS.lostAfterMinutes})`, seconds)
    .option('--stale-after-minutes <MIN>', `a cycle holding the lock longer is reported as stuck (default ${TASK_DEFAULTS.staleLockMinutes})`, seconds)
    .option('--watch <SEC>', 'repeat the cycle every SEC seconds until interrupted', seconds)
    .option('--json', 'one JSON object per cycle')
    .addHelpText(
      'after',
      `
Exit status: 0 the cycle ran (task failures are task states); ${EXIT.busy} another cycle holds the
lock (named, with its age); 2 a bad task definition (the others still ran) or usage error.

${EXIT_STATUS_HELP}

From cron:
  */5 * * * * lwt --home /srv/fleet task-update -q`,
    )
    .action(async (flags: TaskUpdateFlags, command: Command) => {
      const g = globalsOf(command);
      const ctx = await prepare('task-update', g);
      const state = homePaths(ctx.home).state;
      await mkdir(state, { recursive: true });
      const lockPath = join(state, 'task-update.lock');
      const staleMs = (flags.staleAfterMinutes ?? TASK_DEFAULTS.staleLockMinutes) * 60_000;
      const lock = await acquireHomeLock(lockPath, 'task-update').catch(async (err: unknown) => {
        const holder = await lockHolder(lockPath);
        if (err instanceof LwtError && holder && Date.now() - Date.parse(holder.since) > staleMs) {
          throw new LwtError(
            `STUCK: task-update pid ${holder.pid} on ${holder.host} has held ${lockPath} for ${formatMs(Date.now() - Date.parse(holder.since))} (over ${formatMs(staleMs)}); not starting — look at that process`,
            'busy',
          );
        }
        throw err;
      });
      const interrupt = trapInterrupts();
      const screen = terminalScreen();
      const store = new TaskStore(ctx.home);
      let badDefinitions = false;
      try {
        const ssh = await sshContextFrom(flags, ctx.settings, 'task-update');
        const connections = new Connections(ssh, { keepIdle: true });
        try {
          for (;;) {
            if (flags.monitor) await refreshHealth(ctx.home, connections, interrupt.signal, flags.parallel ?? DEFAULTS.monitorParallel);
            const hosts = await placeableHosts(ctx.home);
            const journal = await openJournal(ctx.home, { verb: 'task-update', command: 'task-update cycle', argv: process.argv.slice(2), hostSource: 'hosts/ok', hosts: hosts.map((h) => h.host) });
            const report = await taskCycle({
              home: ctx.home,
              store,
              connections,
              hosts,
              slots: slotsNow(flags, new Date()),
              concurrency: flags.parallel ?? ctx.settings.parallel ?? 32,
              hostTimeoutMs: (flags.hostTimeout ?? TASK_DEFAULTS.hostTimeoutSec) * 1000,
              transferTimeoutMs: (flags.transferTimeout ?? TASK_DEFAULTS.transferTimeoutSec) * 1000,
              lost: {
                afterCycles: flags.lostAfter ?? TASK_DEFAULTS.lostAfterCycles,
                afterMs: (flags.lostAfterMinutes ?? TASK_DEFAULTS.lostAfterMinutes) * 60_000,
              },
              signal: interrupt.signal,
              log: logger('task-update'),
            });
            if (report.problems.some((p) => p.startsWith('task '))) badDefinitions = true;
            await journal?.finish({ wallMs: report.phases.reduce((n, p) => n + p.ms, 0), counts: { ...report.counts }, exitStatus: badDefinitions ? EXIT.usage : EXIT.ok });
            if (flags.json) screen.out(JSON.stringify({ cycle: report }) + '\n');
            else screen.err(formatCycle(report, g.quiet === true));
            // Idle connections are not kept between cycles: hosts may go away meanwhile.
            await connections.close();
            if (flags.watch === undefined || interrupt.signal.aborted) break;
            try {
              await sleep(flags.watch * 1000, undefined, { signal: interrupt.signal });
            } catch {
              break;
            }
          }
        } finally {
          await connections.close();
        }
        const reason = interrupt.signal.aborted ? reasonOf(interrupt.signal) : undefined;
        process.exitCode = reason?.kind === 'cancelled' && reason.signal ? signalStatus(reason.signal) : badDefinitions ? EXIT.usage : EXIT.ok;
      } finally {
        interrupt.dispose();
        await lock.release();
      }
    });
  return cmd;
}

/** --slots, or --slots-night during the night hours (local time; a range may wrap past midnight). */
export function slotsNow(flags: Pick<TaskUpdateFlags, 'slots' | 'slotsNight' | 'night'>, now: Date): number {
  const day = flags.slots ?? TASK_DEFAULTS.slots;
  if (flags.slotsNight === undefined) return day;
  const m = /^(\d{1,2})-(\d{1,2})$/.exec(flags.night ?? '22-6');
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 24) throw new UsageError(`--night ${flags.night}: expected HH-HH, e.g. 22-6`);
  const from = Number(m[1]);
  const to = Number(m[2]);
  const h = now.getHours();
  const night = from <= to ? h >= from && h < to : h >= from || h < to;
  return night ? flags.slotsNight : day;
}

/** One monitor cycle over the candidates (under the monitor's own lock), before placing. */
async function refreshHealth(home: string, connections: Connections, signal: AbortSignal, concurrency: number): Promise<void> {
  const lock = await acquireHomeLock(join(homePaths(home).state, 'monitor.lock'), 'monitor');
  try {
    await monitorCycle({
      home,
      hosts: await readCandidates(home, undefined),
      connections,
      concurrency,
      probeTimeoutMs: DEFAULTS.probeTimeout * 1000,
      diskPath: '/',
      load: false,
      thresholds: DEFAULT_THRESHOLDS,
      hysteresis: { dropAfter: DEFAULTS.dropAfter, restoreAfter: DEFAULTS.restoreAfter },
      signal,
      prune: true,
    });
  } finally {
    await lock.release();
  }
}

/** hosts/ok with the monitor's last metrics (constraints and least-loaded placement use them). */
async function placeableHosts(home: string): Promise<Array<{ host: string; metrics?: import('../hosts/probe.js').HostMetrics }>> {
  let text: string;
  try {
    text = await readFile(okFilePath(home), 'utf8');
  } catch {
    return [];
  }
  const health = await readHealth(healthFilePath(home));
  return parseHostList(text, okFilePath(home)).map((s) => {
    const host = formatHostSpec(s);
    const metrics = health.hosts[host]?.metrics;
    return { host, ...(metrics ? { metrics } : {}) };
  });
}

function formatCycle(r: CycleReport, quiet: boolean): string {
  const lines: string[] = [];
  if (!quiet) for (const p of r.phases) lines.push(`>> ${p.name} ${formatMs(p.ms)}`);
  const c = r.counts;
  const parts = Object.entries(c)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`);
  // Notes are for a person watching; -q (cron) keeps only the problems.
  if (!quiet) for (const n of r.notes) lines.push(`note: ${n}`);
  for (const p of r.problems) lines.push(`problem: ${p}`);
  if (!quiet || r.problems.length) lines.push(`cycle: ${parts.length ? parts.join(', ') : 'nothing to do'}`);
  return lines.length ? lines.join('\n') + '\n' : '';
}
