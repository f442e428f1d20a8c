/**
 * The task verbs that act on the store and, for stop/rm/log, on one host: add instances,
 * stop, retry, suspend/resume, remove, and follow a task's output. They return data; the CLI
 * prints.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { parseHostSpec } from '../hosts/host-spec.js';
import type { Connections } from '../runner/connections.js';
import { execRemote } from '../ssh/remote-exec.js';
import { loadDefinition, type TaskDefinition } from '../tasks/definition.js';
import { cleanScript, stopScript, TASKS_DIR } from '../tasks/remote-scripts.js';
import { canMove, ENDED, oldCopy, transition, type TaskInstance } from '../tasks/state.js';
import type { TaskStore } from '../tasks/store.js';
import { shellQuote } from '../core/shell-quote.js';

/** `NAME.<UTC time>.<n>`: unique (created exclusively) and sortable by creation. */
export async function addInstances(store: TaskStore, home: string, name: string, count: number, args: string[]): Promise<TaskInstance[]> {
  await loadDefinition(join(home, 'tasks'), name);
  const now = new Date();
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const made: TaskInstance[] = [];
  let n = 0;
  while (made.length < count) {
    n++;
    const id = `${name}.${stamp}.${String(n).padStart(4, '0')}`;
    const t: TaskInstance = { id, name, args, state: 'new', createdAt: now.toISOString(), attempt: 0, reason: 'added', previous: [] };
    if (await store.create(t, { at: now.toISOString(), id, from: 'none', to: 'new', reason: 'added' })) made.push(t);
  }
  return made;
}

/** Run one command on a task's host over a fresh lease; undefined when the host could not be reached. */
async function onHost(connections: Connections, host: string, command: string, signal?: AbortSignal): Promise<{ stdout: string; ok: boolean } | { unreachable: string }> {
  const lease = await connections.acquire(parseHostSpec(host), signal);
  if (!lease.ok) return { unreachable: lease.outcome.message };
  try {
    const r = await execRemote(lease.client, { command, signal: signal ?? new AbortController().signal, outputCapBytes: 1 << 20, log: connections.ssh.log });
    return { stdout: r.stdout, ok: r.outcome.kind === 'exited' && r.outcome.code === 0 };
  } finally {
    lease.release();
  }
}

/**
 * Stop tasks: a task not yet started is stopped at once; a started one gets its definition's
 * stop command, a grace period, then the tree kill, on its host now. A host that cannot be
 * reached is noted: the copy there is stopped when the host answers again (task-update).
 */
export async function stopTasks(store: TaskStore, home: string, connections: Connections, ids: string[]): Promise<string[]> {
  const lines: string[] = [];
  for (const ref of ids) {
    const t = await store.get(ref);
    const now = new Date().toISOString();
    if (ENDED.has(t.state)) {
      if (t.state !== 'stopped' && (t.respawnAt || t.retryAt)) {
        const { respawnAt: _r, retryAt: _t, ...rest } = t;
        const r = transition(rest as TaskInstance, 'stopped', `stopped on request before its ${t.respawnAt ? 'respawn' : 'retry'}`, now);
        await store.save(r.next, r.line);
        lines.push(`${t.id}: stopped (no ${t.respawnAt ? 'respawn' : 'retry'})`);
      } else lines.push(`${t.id}: already ${t.state}`);
      continue;
    }
    if (!t.host || t.state === 'new' || t.state === 'suspended') {
      const r = transition(t, 'stopped', 'stopped before it started', now);
      await store.save(r.next, r.line);
      lines.push(`${t.id}: stopped (never started)`);
      continue;
    }
    const def = await loadDefinition(join(home, 'tasks'), t.name).catch(() => undefined);
    const res = await onHost(connections, t.host, `${stopScript(t.id, t.cookie ?? '', t.pid, def?.stop)}\n${cleanScript(t.id)}`);
    const from = t.state === 'fetching' ? { ...t, state: 'running' as const } : t;
    if ('unreachable' in res) {
      const r = transition(from, 'stopped', `stopped on request; ${t.host} unreachable, its copy is stopped when it answers`, now, {
        previous: [...t.previous, oldCopy(t)],
      });
      await store.save(r.next, r.line);
      lines.push(`${t.id}: stopped; ${t.host} did not answer (${res.unreachable}): its copy is stopped when the host is back`);
    } else {
      const killed = Number(/killed (\d+)/.exec(res.stdout)?.[1] ?? 0);
      const r = transition(from, 'stopped', `stopped on request on ${t.host}`, now, { endedAt: now, outcome: { kind: 'cancelled', killed, started: true } });
      await store.save(r.next, r.line);
      lines.push(`${t.id}: stopped on ${t.host}, ${killed} process${killed === 1 ? '' : 'es'} killed`);
    }
  }
  return lines;
}

/** Move tasks along one edge of the state machine (retry: ended → new; suspend: new → suspended; resume: back). */
export async function moveTasks(store: TaskStore, ids: string[], from: ReadonlySet<string>, to: 'new' | 'suspended', reason: string): Promise<string[]> {
  const lines: string[] = [];
  for (const ref of ids) {
    const t = await store.get(ref);
    if (!from.has(t.state) || !canMove(t.state, to)) {
      lines.push(`${t.id}: is ${t.state}: cannot ${reason}`);
      continue;
    }
    const r = transition(t, to, reason, new Date().toISOString());
    const next = to === 'new' && t.host ? { ...r.next, previous: [...t.previous, { host: t.host, attempt: t.attempt, unsettled: false }] } : r.next;
    await store.save(next, r.line);
    lines.push(`${t.id}: ${to}`);
  }
  return lines;
}

/** Remove ended tasks from the store, and their folders from their hosts. */
export async function removeTasks(store: TaskStore, connections: Connections, ids: string[]): Promise<string[]> {
  const lines: string[] = [];
  for (const ref of ids) {
    const t = await store.get(ref);
    if (!ENDED.has(t.state)) throw new UsageError(`${t.id} is ${t.state}: only ended tasks are removed (lwt task stop first)`);
    if (t.host) {
      const res = await onHost(connections, t.host, cleanScript(t.id));
      if ('unreachable' in res) throw new UsageError(`${t.id}: cannot clean its folder on ${t.host}: ${res.unreachable}; try again when the host is back`);
    }
    await store.remove(t.id);
    lines.push(`${t.id}: removed`);
  }
  return lines;
}

/**
 * A task's output from its first byte: while it runs, followed on its host (`tail -f` ends
 * with the task's wrapper); after it ended, the fetched copy in results/<id>/.
 */
export async function taskLog(
  t: TaskInstance,
  def: TaskDefinition | undefined,
  home: string,
  connections: Connections,
  opts: { follow: boolean; stream: 'stdout' | 'stderr'; signal: AbortSignal; write: (chunk: Buffer) => void },
): Promise<void> {
  const local = join(home, 'tasks', t.name, 'results', t.id, opts.stream);
  if (ENDED.has(t.state) || !t.host) {
    const data = await readFile(local).catch(() => undefined);
    if (!data) throw new UsageError(`${t.id}: no ${opts.stream} here (${t.state}${t.host ? '' : ', never started'}; fetched copies are in ${join(home, 'tasks', t.name, 'results', t.id)})`);
    opts.write(data);
    return;
  }
  const file = shellQuote(`${TASKS_DIR}/${t.id}/out/${opts.stream}`);
  const command = opts.follow && t.pid
    ? `tail -c +1 --pid=${t.pid} -f ${file} 2>/dev/null || cat ${file}`
    : `cat ${file}`;
  const lease = await connections.acquire(parseHostSpec(t.host), opts.signal);
  if (!lease.ok) throw new UsageError(`${t.id}: ${t.host}: ${lease.outcome.message}`);
  try {
    await execRemote(lease.client, { command, signal: opts.signal, outputCapBytes: 1024, onOutput: (s, chunk) => s === 'stdout' && opts.write(chunk), log: connections.ssh.log });
  } finally {
    lease.release({ broken: opts.signal.aborted });
  }
}
