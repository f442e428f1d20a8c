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
import type { TaskLimits } from './definition.js';

export const TASKS_DIR = '.lwt-tasks';
export const INPUTS_DIR = `${TASKS_DIR}/.inputs`;

const taskDir = (id: string): string => `${TASKS_DIR}/${id}`;

/**
 * The detached wrapper, run with `cd` in the task folder and its own session. The exit is
 * decoded by perl where the host has it (a raw wait status: exit code vs signal, core dump);
 * without perl only the shell's 128+N is known, and the status says so.
 */
const WRAPPER = `set -u
# Limits: the task's own cgroup (v2 where the host has it, else the v1 memory/cpu/pids
# controllers), else rlimits (no CPU share there), else nothing starts: the start script reads
# "limits" and refuses the task, naming the host.
# A v1 controller folder for the task: made by the kernel's cgroupfs (the control file appears), not a plain folder.
cg() { { mkdir "$1" 2>/dev/null || [ -d "$1" ]; } && [ -f "$1/$2" ]; }
lim() {
  [ -n "\${LWT_LIM_MEM:-}\${LWT_LIM_CPUQ:-}\${LWT_LIM_PIDS:-}" ] || { echo none > limits; return 0; }
  g=lwt-$LWT_TASK_ID
  if [ -f /sys/fs/cgroup/cgroup.controllers ] && mkdir /sys/fs/cgroup/$g 2>/dev/null && [ -f /sys/fs/cgroup/$g/cgroup.procs ]; then
    d=/sys/fs/cgroup/$g
    { [ -z "\${LWT_LIM_MEM:-}" ] || echo "$LWT_LIM_MEM" > $d/memory.max; } &&
    { [ -z "\${LWT_LIM_CPUQ:-}" ] || echo "$LWT_LIM_CPUQ 100000" > $d/cpu.max; } &&
    { [ -z "\${LWT_LIM_PIDS:-}" ] || echo "$LWT_LIM_PIDS" > $d/pids.max; } &&
    echo $$ > $d/cgroup.procs && { echo cgroup-v2 > limits; return 0; }
  fi
  ok=1
  if [ -n "\${LWT_LIM_MEM:-}" ]; then d=/sys/fs/cgroup/memory/$g; { cg $d memory.limit_in_bytes && echo "$LWT_LIM_MEM" > $d/memory.limit_in_bytes && echo $$ > $d/cgroup.procs; } 2>/dev/null || ok=0; fi
  if [ -n "\${LWT_LIM_CPUQ:-}" ]; then d=/sys/fs/cgroup/cpu/$g; { cg $d cpu.cfs_quota_us && echo 100000 > $d/cpu.cfs_period_us && echo "$LWT_LIM_CPUQ" > $d/cpu.cfs_quota_us && echo $$ > $d/cgroup.procs; } 2>/dev/null || ok=0; fi
  if [ -n "\${LWT_LIM_PIDS:-}" ]; then d=/sys/fs/cgroup/pids/$g; { cg $d pids.max && echo "$LWT_LIM_PIDS" > $d/pids.max && echo $$ > $d/cgroup.procs; } 2>/dev/null || ok=0; fi
  [ $ok = 1 ] && { echo cgroup-v1 > limits; return 0; }
  if [ -z "\${LWT_LIM_CPUQ:-}" ]; then
    { [ -z "\${LWT_LIM_MEM:-}" ] || ulimit -v $((LWT_LIM_MEM / 1024)); } 2>/dev/null &&
    { [ -z "\${LWT_LIM_PIDS:-}" ] || ulimit -u "$LWT_LIM_PIDS"; } 2>/dev/null && { echo rlimit > limits; return 0; }
  fi
  echo unsupported > limits; return 1
}
lim || exit 0
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
    open(my $f, ">", "../status.raw") or exit 1; print $f "$t"; close($f);' \\
    "$sh_" -c "$cmd" "$LWT_TASK_NAME" "$@" > ../out/stdout 2> ../out/stderr < /dev/null
  st=$(cat ../status.raw 2>/dev/null || echo "error no status")
else
  "$sh_" -c "$cmd" "$LWT_TASK_NAME" "$@" > ../out/stdout 2> ../out/stderr < /dev/null
  st="exited $? shell"
fi
# A kill by the memory limit says so (the OOM killer's count in the task's cgroup).
for f in /sys/fs/cgroup/lwt-$LWT_TASK_ID/memory.events /sys/fs/cgroup/memory/lwt-$LWT_TASK_ID/memory.oom_control; do
  n=$(awk '$1 == "oom_kill" {print $2}' $f 2>/dev/null); [ "\${n:-0}" -gt 0 ] 2>/dev/null && st="$st oom"
done
printf '%s\\n' "$st" > ../status.tmp && mv ../status.tmp ../status
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
  limits?: TaskLimits;
}

/**
 * Create the task folder exclusively, copy inputs, start the wrapper detached (setsid), wait
 * for its pid line and print it: `LWT-STARTED pid start cookie`, or `LWT-EXISTS` when the
 * folder was there already (started before: the check will find it).
 */
export function startScript(s: StartSpec): string {
  const d = shellQuote(taskDir(s.id));
  const lim = s.limits ?? {};
  const env = Object.entries({
    ...s.env,
    LWT_TASK_ID: s.id,
    LWT_TASK_NAME: s.name,
    LWT_JOB: s.cookie,
    ...(lim.memoryBytes ? { LWT_LIM_MEM: String(lim.memoryBytes) } : {}),
    ...(lim.cpu ? { LWT_LIM_CPUQ: String(Math.round(lim.cpu * 100_000)) } : {}),
    ...(lim.pids ? { LWT_LIM_PIDS: String(lim.pids) } : {}),
  })
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
    'i=0; while [ ! -s pid ] && [ "$(cat limits 2>/dev/null)" != unsupported ] && [ $i -lt 100 ]; do sleep 0.1 2>/dev/null || sleep 1; i=$((i+1)); done',
    // Limits the host cannot apply: nothing ran; the folder goes so that the task can start elsewhere.
    'if [ "$(cat limits 2>/dev/null)" = unsupported ]; then cd - > /dev/null; rm -rf -- ' + d + '; echo "LWT-LIMITS-UNSUPPORTED $(hostname)"; exit 0; fi',
    '[ -s pid ] || { echo LWT-NOPID; exit 95; }',
    'printf "LWT-STARTED %s %s\\n" "$(cat pid)" "$(cat limits 2>/dev/null)"',
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

/** Every cgroup folder a task may have (v2, v1 controllers), as a shell word list. */
const cgroupDirs = (id: string): string => `/sys/fs/cgroup/lwt-${shellQuote(id)} /sys/fs/cgroup/*/lwt-${shellQuote(id)}`;

export function cleanScript(id: string): string {
  return `rm -rf -- ${shellQuote(taskDir(id))}; for d in ${cgroupDirs(id)}; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done; exit 0`;
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
  // The kill script reads the cookie on stdin and selects the task by it (every process of the
  // task inherits it); no pid hint: a detached task is no child of this connection's session.
  lines.push(`printf '%s\\n' ${shellQuote(cookie)} | ${remoteKillCommand(undefined, false)}`);
  // In its own cgroup nothing escapes: whatever is still in it dies too.
  lines.push(`for d in ${cgroupDirs(id)}; do [ -f "$d/cgroup.procs" ] && kill -9 $(cat "$d/cgroup.procs") 2>/dev/null; done; exit 0`);
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
