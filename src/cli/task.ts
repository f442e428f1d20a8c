import { Command } from 'commander';
import { join } from 'node:path';
import { addInstances, moveTasks, removeTasks, stopTasks, taskLog } from '../commands/task-verbs.js';
import { describeOutcome, outcomeJson } from '../core/outcome.js';
import { UsageError } from '../errors.js';
import { Connections } from '../runner/connections.js';
import { loadDefinition } from '../tasks/definition.js';
import { formatDuration } from '../tasks/duration.js';
import type { TaskInstance, TaskState } from '../tasks/state.js';
import { TaskStore } from '../tasks/store.js';
import { prepare, globalsOf } from './context.js';
import { addHostOptions } from './host-options.js';
import { sshContextFrom, type SshFlags } from './host-run.js';
import { positiveInt } from './parse.js';
import { trapInterrupts } from './signals.js';

const STATES: readonly TaskState[] = ['new', 'suspended', 'placed', 'running', 'lost', 'fetching', 'done', 'failed', 'stopped'];

async function storeOf(cmd: Command): Promise<{ store: TaskStore; home: string; ctx: Awaited<ReturnType<typeof prepare>> }> {
  const ctx = await prepare('task', globalsOf(cmd), { logToHome: false });
  return { store: new TaskStore(ctx.home), home: ctx.home, ctx };
}

/** Connections for one verb, with the context the verb already prepared (config read once). */
async function withConnections<T>(ctx: Awaited<ReturnType<typeof prepare>>, flags: SshFlags, fn: (c: Connections) => Promise<T>): Promise<T> {
  const connections = new Connections(await sshContextFrom(flags, ctx.settings, 'task'));
  try {
    return await fn(connections);
  } finally {
    await connections.close();
  }
}

const print = (lines: string[]): void => {
  for (const l of lines) process.stdout.write(`${l}\n`);
};

export function taskCommand(): Command {
  const task = new Command('task').summary('long tasks: add, list, show, log, stop, retry, suspend, resume, rm').description(
    'Instances of the task definitions in <home>/tasks/<name>/ (task.yaml, task.json or desc).\n' +
      'lwt task-update (from cron) places, starts, checks and fetches them; these verbs look and steer.',
  );

  task
    .command('add')
    .description('new instances of task NAME (state new); words after -- are appended to its command')
    .argument('<NAME>')
    .argument('[ARGS...]')
    .option('--count <N>', 'how many instances', positiveInt)
    .action(async (name: string, args: string[], flags: { count?: number }, cmd: Command) => {
      const { store, home } = await storeOf(cmd);
      const made = await addInstances(store, home, name, flags.count ?? 1, args);
      print(made.map((t) => t.id));
    });

  task
    .command('list')
    .description('every instance: id, state, host, started, runtime, attempts, last reason')
    .option('--state <S>', `only this state (${STATES.join(', ')})`)
    .option('--host <H>', 'only tasks on this host')
    .option('--json', 'one JSON object per instance')
    .action(async (flags: { state?: string; host?: string; json?: boolean }, cmd: Command) => {
      if (flags.state && !STATES.includes(flags.state as TaskState)) throw new UsageError(`--state ${flags.state}: one of ${STATES.join(', ')}`);
      const { store } = await storeOf(cmd);
      const list = (await store.list()).filter((t) => (!flags.state || t.state === flags.state) && (!flags.host || t.host === flags.host));
      if (flags.json) {
        for (const t of list) process.stdout.write(JSON.stringify(jsonOf(t)) + '\n');
        return;
      }
      const rows = [['ID', 'STATE', 'HOST', 'STARTED', 'RUNTIME', 'ATTEMPTS', 'REASON']];
      for (const t of list) {
        const end = t.endedAt ? Date.parse(t.endedAt) : Date.now();
        rows.push([t.id, t.state, t.host ?? '-', t.startedAt?.replace('T', ' ').slice(0, 19) ?? '-', t.startedAt ? formatDuration(end - Date.parse(t.startedAt)) : '-', String(t.attempt), t.reason]);
      }
      const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
      print(rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(w[c]!))).join('  ')));
    });

  task
    .command('show')
    .description('one instance: definition, state, host, pid, times, outcome, every transition')
    .argument('<ID>')
    .action(async (id: string, _f: unknown, cmd: Command) => {
      const { store, home } = await storeOf(cmd);
      const t = await store.get(id);
      const def = await loadDefinition(join(home, 'tasks'), t.name).catch((e: unknown) => String(e));
      const lines = [
        `id:        ${t.id}`,
        `task:      ${t.name}${typeof def === 'string' ? ` (definition: ${def})` : ` (${def.file})`}`,
        ...(typeof def === 'string' ? [] : [`command:   ${[def.command, ...t.args].join(' ')}`]),
        `state:     ${t.state} — ${t.reason}`,
        `host:      ${t.host ?? '-'}${t.pid ? `, pid ${t.pid}` : ''}`,
        `attempts:  ${t.attempt}`,
        `created:   ${t.createdAt}`,
        ...(t.placedAt ? [`placed:    ${t.placedAt}`] : []),
        ...(t.startedAt ? [`started:   ${t.startedAt}`] : []),
        ...(t.endedAt ? [`ended:     ${t.endedAt}`] : []),
        ...(t.outcome ? [`outcome:   ${describeOutcome(t.outcome)}`] : []),
        'transitions:',
        ...(await store.transitions(t.id)).map((l) => `  ${l.at}  ${l.from} → ${l.to}${l.host ? ` [${l.host}]` : ''}: ${l.reason}`),
      ];
      print(lines);
    });

  addHostOptions(
    task
      .command('log')
      .description("a task's output from its first byte; --follow while it runs (ends with the task)")
      .argument('<ID>')
      .option('-f, --follow', 'keep reading while the task runs')
      .option('--stderr', 'stderr instead of stdout'),
  ).action(async (id: string, flags: SshFlags & { follow?: boolean; stderr?: boolean }, cmd: Command) => {
    const { store, home, ctx } = await storeOf(cmd);
    const t = await store.get(id);
    const def = await loadDefinition(join(home, 'tasks'), t.name).catch(() => undefined);
    const interrupt = trapInterrupts();
    try {
      await withConnections(ctx, flags, (c) =>
        taskLog(t, def, home, c, { follow: flags.follow === true, stream: flags.stderr ? 'stderr' : 'stdout', signal: interrupt.signal, write: (b) => process.stdout.write(b) }),
      );
    } finally {
      interrupt.dispose();
    }
  });

  addHostOptions(task.command('stop').description('graceful stop (the definition\'s stop command), then the tree kill; state stopped').argument('<ID...>')).action(
    async (ids: string[], flags: SshFlags, cmd: Command) => {
      const { store, home, ctx } = await storeOf(cmd);
      print(await withConnections(ctx, flags, (c) => stopTasks(store, home, c, ids)));
    },
  );

  // The store-only moves: each an edge of the state machine.
  const moves: Array<[string, string, ReadonlySet<string>, 'new' | 'suspended', string]> = [
    ['retry', 'ended instances (done, failed, stopped) back to new', new Set(['done', 'failed', 'stopped']), 'new', 'retry on request'],
    ['suspend', 'keep new instances from being placed', new Set(['new']), 'suspended', 'suspended on request'],
    ['resume', 'suspended instances back to new', new Set(['suspended']), 'new', 'resumed on request'],
  ];
  for (const [verb, description, from, to, reason] of moves) {
    task
      .command(verb)
      .description(description)
      .argument('<ID...>')
      .action(async (ids: string[], _f: unknown, cmd: Command) => {
        const { store } = await storeOf(cmd);
        print(await moveTasks(store, ids, from, to, reason));
      });
  }
  addHostOptions(task.command('rm').description('remove ended instances and their folders on their hosts').argument('<ID...>')).action(
    async (ids: string[], flags: SshFlags, cmd: Command) => {
      const { store, ctx } = await storeOf(cmd);
      print(await withConnections(ctx, flags, (c) => removeTasks(store, c, ids)));
    },
  );
  return task;
}

function jsonOf(t: TaskInstance): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    state: t.state,
    host: t.host ?? null,
    attempts: t.attempt,
    outcome: t.outcome ? outcomeJson(t.outcome) : null,
    reason: t.reason,
    createdAt: t.createdAt,
    startedAt: t.startedAt ?? null,
    endedAt: t.endedAt ?? null,
    pid: t.pid ?? null,
    /** A planned retry or respawn: the task starts again at this time. */
    next: t.respawnAt ?? t.retryAt ?? null,
  };
}
