/**
 * Finding and killing the fleet's processes through /proc (Linux only, like the fleet).
 *
 * Pid files alone are not enough: sshd forks a child per connection, and SIGTERM to
 * the listener leaves established sessions running. Those children re-exec sshd with
 * the same `-f <config>` arguments, but once authenticated they rename themselves
 * ("sshd: root@notty"), so they are found as descendants of the matched processes.
 */
import { readdir, readFile } from 'node:fs/promises';

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** One-letter state from /proc/<pid>/stat; 'Z' is a zombie (dead, not yet reaped). */
  state: string;
  /** The command line with NULs turned into spaces (setproctitle may have merged argv). */
  cmdline: string;
}

async function readProc(pid: number): Promise<ProcInfo | undefined> {
  try {
    const [stat, cmdline] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/cmdline`, 'utf8'),
    ]);
    // "pid (comm) state ppid ...": comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      pid,
      ppid: Number(fields[1]),
      state: fields[0] ?? '?',
      cmdline: cmdline.replace(/\0+$/, '').replace(/\0/g, ' '),
    };
  } catch {
    return undefined; // exited while we looked, or not ours to read
  }
}

export async function listProcesses(): Promise<ProcInfo[]> {
  const names = (await readdir('/proc')).filter((n) => /^\d+$/.test(n));
  const infos = await Promise.all(names.map((n) => readProc(Number(n))));
  return infos.filter((p): p is ProcInfo => p !== undefined);
}

/** A zombie counts as gone: it holds no sockets and runs no code, only its parent can reap it. */
export async function isAlive(pid: number): Promise<boolean> {
  const p = await readProc(pid);
  return p !== undefined && p.state !== 'Z' && p.state !== 'X';
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Does this command line belong to the fleet in `dir`? sshd listeners and their
 * pre-auth children carry `-f <dir>/sshd-N.conf` (the listener inside its
 * "[listener] ..." title); the blackhole helper carries `<dir>/blackhole.pid`.
 * Deliberately narrow, so a `tail -f <dir>/sshd-0.log` or an ssh client using
 * `<dir>/ssh_config` is never taken for a fleet process.
 */
export function fleetMatcher(dir: string): (cmdline: string) => boolean {
  const d = escapeRegExp(dir.replace(/\/+$/, ''));
  const sshd = new RegExp(`(^|[\\s/:])sshd\\b.*\\s-f\\s+${d}/sshd-\\d+\\.conf(\\s|$)`);
  const blackhole = new RegExp(`blackhole\\.js\\s.*${d}/blackhole\\.pid(\\s|$)`);
  return (cmdline) => sshd.test(cmdline) || blackhole.test(cmdline);
}

/**
 * Live processes matching the fleet in `dir`, plus `extraPids` (from pid files) whose
 * command line still mentions `dir`: a stale pid file may name a pid that has since
 * been reused by something unrelated. Descendants are not included.
 */
export async function findFleetProcesses(dir: string, extraPids: Iterable<number> = []): Promise<ProcInfo[]> {
  const match = fleetMatcher(dir);
  const extra = new Set(extraPids);
  return (await listProcesses()).filter(
    (p) => p.state !== 'Z' && (match(p.cmdline) || (extra.has(p.pid) && p.cmdline.includes(dir))),
  );
}

/** `roots` and every live descendant of them, from one snapshot of the process table. */
function withDescendants(all: ProcInfo[], roots: Set<number>): Set<number> {
  const children = new Map<number, number[]>();
  for (const p of all) {
    if (p.state === 'Z') continue;
    const list = children.get(p.ppid) ?? [];
    list.push(p.pid);
    children.set(p.ppid, list);
  }
  const out = new Set<number>();
  const queue = [...roots];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    if (out.has(pid)) continue;
    out.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // ESRCH: already gone. EPERM cannot happen for processes we started.
  }
}

async function waitGone(pids: Iterable<number>, ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = [...pids];
  for (;;) {
    const alive = await Promise.all(left.map((pid) => isAlive(pid)));
    left = left.filter((_, i) => alive[i]);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Kill the fleet in `dir`: matched processes, `extraPids` (from pid files) and all
 * their descendants. Returns the number of processes signalled; throws if any
 * survives SIGKILL.
 *
 * The tree is frozen with SIGSTOP first, growing the set until no new descendant
 * appears: a listener that forks between our scan and its death would otherwise
 * leave a child that is reparented to init and no longer recognisable as ours.
 * Then SIGTERM + SIGCONT, ~3 s grace, SIGKILL for what is left.
 */
export async function killFleetProcesses(dir: string, extraPids: Iterable<number> = []): Promise<number> {
  const self = process.pid;
  const roots = new Set((await findFleetProcesses(dir, extraPids)).map((p) => p.pid));
  roots.delete(self);
  if (roots.size === 0) return 0;

  let frozen = new Set<number>();
  for (;;) {
    const tree = withDescendants(await listProcesses(), new Set([...roots, ...frozen]));
    tree.delete(self);
    const fresh = [...tree].filter((pid) => !frozen.has(pid));
    if (fresh.length === 0) break;
    for (const pid of fresh) signal(pid, 'SIGSTOP');
    frozen = tree;
  }

  for (const pid of frozen) signal(pid, 'SIGTERM');
  for (const pid of frozen) signal(pid, 'SIGCONT');
  let left = await waitGone(frozen, 3000);
  if (left.length > 0) {
    for (const pid of left) signal(pid, 'SIGKILL');
    left = await waitGone(left, 2000);
  }
  const stray = await findFleetProcesses(dir);
  if (left.length > 0 || stray.length > 0) {
    const pids = [...new Set([...left, ...stray.map((p) => p.pid)])];
    throw new Error(`fleet: processes of ${dir} still running after SIGKILL: ${pids.join(', ')}`);
  }
  return frozen.size;
}
