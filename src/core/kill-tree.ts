import { setTimeout as sleep } from 'node:timers/promises';
import { snapshotProcesses, type ProcessInfo } from './process-table.js';

/**
 * What belongs to one job. Any of these pulls a process into the kill:
 * descent from rootPid, membership of the job's process group or session, or the
 * job's cookie in its environment. The cookie is what catches a grandchild that
 * called setsid() and whose parent already exited (reparented to init): it has
 * left the group, the session and the parent chain, but it kept its environment.
 */
export interface KillTarget {
  rootPid: number;
  pgid?: number;
  sid?: number;
  cookie?: string;
}

/** Processes we must never signal: init, ourselves, our ancestors. */
function protectedPids(table: readonly ProcessInfo[]): Set<number> {
  const byPid = new Map(table.map((p) => [p.pid, p]));
  const keep = new Set<number>([0, 1]);
  for (let pid: number | undefined = process.pid; pid !== undefined && pid > 1 && !keep.has(pid); ) {
    keep.add(pid);
    pid = byPid.get(pid)?.ppid;
  }
  return keep;
}

/**
 * Pure planning: which processes of a snapshot belong to the target, and how deep each
 * sits below the nearest selected ancestor (0 for seeds). Deepest are killed first so that
 * no parent sees a child die and reacts (respawns, logs, exits 0) before it dies itself.
 */
export function selectTree(table: readonly ProcessInfo[], target: KillTarget): Map<number, number> {
  const protect = protectedPids(table);
  const children = new Map<number, number[]>();
  for (const p of table) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const selected = new Set<number>();
  for (const p of table) {
    if (
      p.pid === target.rootPid ||
      (target.pgid !== undefined && target.pgid > 1 && p.pgid === target.pgid) ||
      (target.sid !== undefined && target.sid > 1 && p.sid === target.sid) ||
      p.hasCookie
    ) {
      selected.add(p.pid);
    }
  }
  // Close over descendants: a child that left the group or session is still a child.
  const stack = [...selected];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    for (const c of children.get(pid) ?? []) {
      if (!selected.has(c) && !protect.has(c)) {
        selected.add(c);
        stack.push(c);
      }
    }
  }
  const byPid = new Map(table.map((p) => [p.pid, p]));
  const depth = new Map<number, number>();
  const depthOf = (pid: number, guard: number): number => {
    const known = depth.get(pid);
    if (known !== undefined) return known;
    const parent = byPid.get(pid)?.ppid;
    const d = parent !== undefined && selected.has(parent) && guard < 4096 ? depthOf(parent, guard + 1) + 1 : 0;
    depth.set(pid, d);
    return d;
  };
  const plan = new Map<number, number>();
  for (const pid of selected) if (!protect.has(pid)) plan.set(pid, depthOf(pid, 0));
  return plan;
}

/** Kill order: deepest first, then by pid for a stable order. */
export function killOrder(plan: ReadonlyMap<number, number>): number[] {
  return [...plan.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([pid]) => pid);
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false; // ESRCH: already gone; EPERM: not ours
  }
}

export interface KillReport {
  /** Processes that were frozen and then killed. */
  killed: number;
  /** Processes still present after the reap wait (should be 0; reported, never hidden). */
  survivors: number[];
}

/**
 * Kill a job's whole tree in one batch:
 * 1. freeze the process group at once (one kill(-pgid, SIGSTOP)),
 * 2. snapshot and SIGSTOP every selected process, repeating the snapshot until a round
 *    finds nothing new (a process forked between snapshot and freeze shows up next round),
 * 3. SIGKILL deepest first, and the group once more,
 * 4. wait until every killed pid is gone or a zombie (reaped by its parent or init).
 * SIGSTOP and SIGKILL cannot be caught, so `trap "" TERM` and friends do not matter.
 */
export async function killTree(target: KillTarget, opts: { reapMs?: number } = {}): Promise<KillReport> {
  if (target.pgid !== undefined && target.pgid > 1) signal(-target.pgid, 'SIGSTOP');
  const frozen = new Map<number, number>();
  for (let round = 0; round < 20; round++) {
    const plan = selectTree(await snapshotProcesses({ cookie: target.cookie }), target);
    let fresh = 0;
    for (const [pid, depth] of plan) {
      if (frozen.has(pid)) continue;
      frozen.set(pid, depth);
      signal(pid, 'SIGSTOP');
      fresh++;
    }
    if (fresh === 0) break;
  }
  for (const pid of killOrder(frozen)) signal(pid, 'SIGKILL');
  if (target.pgid !== undefined && target.pgid > 1) signal(-target.pgid, 'SIGKILL');
  const survivors = await waitGone([...frozen.keys()], opts.reapMs ?? 2000);
  return { killed: frozen.size, survivors };
}

async function waitGone(pids: number[], budgetMs: number): Promise<number[]> {
  const until = Date.now() + budgetMs;
  let alive = pids;
  for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
    const table = await snapshotProcesses();
    const live = new Set(table.map((p) => p.pid)); // zombies are excluded by the snapshot
    alive = alive.filter((pid) => live.has(pid));
    if (alive.length === 0 || Date.now() >= until) return alive;
    await sleep(pause);
  }
}
