/**
 * The POSIX sh that runs on a host for tasks. Each task lives in `~/.lwt-tasks/<id>/`:
 *   work/     the command's working folder (inputs copied in before start)
 *   out/      stdout and stderr from the first byte, and the outputs gathered at the end
 *   cmd       the command line;  pid  "pid starttime cookie" of the detached wrapper
 *   status    "exited N" | "signaled N CORE" | "exited N shell", written by rename when it ended
 * The folder is made with mkdir, which fails if it exists: a second start of the same instance
 * (a cycle killed between "started" and "recorded") is refused, never a second copy.
 */
import { signalName, type Outcome } from '../core/outcome.js';
import { shellQuote } from '../core/shell-quote.js';
import { remoteKillCommand } from '../ssh/remote-kill.js';

export const TASKS_DIR = '.lwt-tasks';
export const INPUTS_DIR = `${TASKS_DIR}/.inputs`;

const taskDir = (id: string): string => `${TASKS_DIR}/${id}`;

/**
 * The detached wrapper, run with `cd` in the task folder and its own session. The exit is
 * decoded by perl where the host has it (a raw wait status: exit code vs signal, core dump);
 * without perl only the shell's 128+N is known, and the status says so.
 */
const WRAPPER = `set -u
s=$(cut -d' ' -f22 /proc/$$/stat 2>/dev/null || echo 0)
printf '%s %s %s\\n' "$$" "$s" "$LWT_JOB" > pid.tmp && mv pid.tmp pid
cmd=$(cat cmd)
cd work || exit 1
sh_=\${SHELL:-/bin/sh}
if command -v perl >/dev/null 2>&1; then
  perl -e 'my $s = system { $ARGV[0] } @ARGV; my $t;
    if ($s == -1) { $t = "error cannot start $ARGV[0]" }
    elsif ($s & 127) { $t = sprintf("signaled %d %d", $s & 127, ($s & 128) ? 1 : 0) }
    else { $t = sprintf("exited %d", $s >> 8) }
    open(my $f, ">", "../status.tmp") or exit 1; print $f "$t\\n"; close($f); rename("../status.tmp", "../status");' \\
    "$sh_" -c "$cmd" "$LWT_TASK_NAME" "$@" > ../out/stdout 2> ../out/stderr < /dev/null
else
  "$sh_" -c "$cmd" "$LWT_TASK_NAME" "$@" > ../out/stdout 2> ../out/stderr < /dev/null
  printf 'exited %d shell\\n' "$?" > ../status.tmp && mv ../status.tmp ../status
fi
`;

export interface StartSpec {
  id: string;
  name: string;
  command: string;
  env: Record<string, string>;
  cookie: string;
  /** Copy the shared inputs of the task into work/ first. */
  inputs: boolean;
  /** The command's positional parameters ($1, "$@"): the words after `--` of `lwt task add`. */
  args: readonly string[];
}

/**
 * Create the task folder exclusively, copy inputs, start the wrapper detached (setsid), wait
 * for its pid line and print it: `LWT-STARTED pid start cookie`, or `LWT-EXISTS` when the
 * folder was there already (started before: the check will find it).
 */
export function startScript(s: StartSpec): string {
  const d = shellQuote(taskDir(s.id));
  const env = Object.entries({ ...s.env, LWT_TASK_ID: s.id, LWT_TASK_NAME: s.name, LWT_JOB: s.cookie })
    .map(([k, v]) => `${k}=${shellQuote(v)}`)
    .join(' ');
  return [
    'set -u',
    `mkdir -p ${TASKS_DIR} || exit 90`,
    `if ! mkdir ${d} 2>/dev/null; then echo LWT-EXISTS; exit 0; fi`,
    `mkdir ${d}/work ${d}/out || exit 91`,
    s.inputs ? `cp -Rp ${INPUTS_DIR}/${shellQuote(s.name)}/. ${d}/work/ || exit 92` : ':',
    `cd ${d} || exit 93`,
    `printf '%s' ${shellQuote(s.command)} > cmd || exit 94`,
    `printf '%s' ${shellQuote(WRAPPER)} > wrapper.sh || exit 94`,
    `if command -v setsid >/dev/null 2>&1; then d_=setsid; else d_=nohup; fi`,
    `env ${env} $d_ /bin/sh wrapper.sh ${s.args.map(shellQuote).join(' ')} < /dev/null > /dev/null 2>&1 &`,
    'i=0; while [ ! -s pid ] && [ $i -lt 100 ]; do sleep 0.1 2>/dev/null || sleep 1; i=$((i+1)); done',
    '[ -s pid ] || { echo LWT-NOPID; exit 95; }',
    'printf "LWT-STARTED %s\\n" "$(cat pid)"',
  ].join('\n');
}

/** What the check found of one task on its host. */
export type RemoteTaskState =
  | { kind: 'ended'; status: string }
  | { kind: 'running' }
  /** The folder is there but the wrapper is gone without a status (killed, host rebooted). */
  | { kind: 'vanished' }
  /** The folder is there, the pid line not yet. */
  | { kind: 'starting' }
  | { kind: 'absent' };

/** One command per host: the state of each listed task. A process counts as running only with its recorded start time. */
export function checkScript(ids: readonly string[]): string {
  return [
    `for id in ${ids.map(shellQuote).join(' ')}; do`,
    `  d=${TASKS_DIR}/$id`,
    '  if [ -f "$d/status" ]; then printf "E %s %s\\n" "$id" "$(cat "$d/status")"',
    '  elif [ -s "$d/pid" ]; then',
    '    read p s c < "$d/pid"',
    '    n=$(cut -d" " -f22 /proc/$p/stat 2>/dev/null)',
    '    if [ -n "$n" ] && [ "$n" = "$s" ]; then printf "R %s\\n" "$id"; else printf "V %s\\n" "$id"; fi',
    '  elif [ -d "$d" ]; then printf "S %s\\n" "$id"',
    '  else printf "A %s\\n" "$id"; fi',
    'done',
  ].join('\n');
}

export function parseCheck(out: string): Map<string, RemoteTaskState> {
  const m = new Map<string, RemoteTaskState>();
  for (const line of out.split('\n')) {
    const hit = /^([ERVSA]) (\S+)(?: (.*))?$/.exec(line);
    if (!hit) continue;
    const [, k, id, rest] = hit as unknown as [string, string, string, string | undefined];
    m.set(
      id,
      k === 'E' ? { kind: 'ended', status: rest ?? '' } : k === 'R' ? { kind: 'running' } : k === 'V' ? { kind: 'vanished' } : k === 'S' ? { kind: 'starting' } : { kind: 'absent' },
    );
  }
  return m;
}

/** Copy the outputs from work/ into out/ (idempotent), so one fetch of out/ brings everything back. */
export function gatherScript(id: string, outputs: readonly string[]): string {
  const d = shellQuote(taskDir(id));
  const lines = [`cd ${d} 2>/dev/null || exit 0`, 'mkdir -p out'];
  for (const o of outputs) {
    const q = shellQuote(o);
    lines.push(`if [ -e work/${q} ] || [ -h work/${q} ]; then mkdir -p "out/$(dirname -- ${q})" && rm -rf -- out/${q} && cp -Rp -- work/${q} out/${q}; fi`);
  }
  lines.push('exit 0');
  return lines.join('\n');
}

export function cleanScript(id: string): string {
  return `rm -rf -- ${shellQuote(taskDir(id))}`;
}

/** Stop a task: the definition's stop command in its folder, a grace period, then the tree kill. */
export function stopScript(id: string, cookie: string, pid: number | undefined, stop?: { command: string; graceMs: number }): string {
  const lines: string[] = [];
  if (stop) {
    const d = shellQuote(`${taskDir(id)}/work`);
    const graceS = Math.max(1, Math.ceil(stop.graceMs / 1000));
    lines.push(`(cd ${d} && LWT_TASK_ID=${shellQuote(id)} /bin/sh -c ${shellQuote(stop.command)}) > /dev/null 2>&1`);
    if (pid) lines.push(`i=0; while kill -0 ${pid} 2>/dev/null && [ $i -lt ${graceS} ]; do sleep 1; i=$((i+1)); done`);
  }
  lines.push(remoteKillCommand(cookie, pid, false));
  return lines.join('\n');
}

/** A status line as the wrapper wrote it, as the one outcome type. */
export function statusOutcome(status: string): Outcome {
  const e = /^exited (\d+)/.exec(status);
  if (e) return { kind: 'exited', code: Number(e[1]) };
  const s = /^signaled (\d+) ([01])/.exec(status);
  if (s) return { kind: 'signaled', signal: signalName(Number(s[1])), coreDumped: s[2] === '1' };
  return { kind: 'failed', message: `task wrapper: ${status.trim() || 'unreadable status'}` };
}
