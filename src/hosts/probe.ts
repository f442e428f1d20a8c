import { shellQuote } from '../core/shell-quote.js';

/** What one probe command reports about a host (Linux /proc and df). Missing values stay undefined. */
export interface HostMetrics {
  load1?: number;
  load5?: number;
  load15?: number;
  cpus?: number;
  uptimeSec?: number;
  /** Free space of the probed path, and its use in percent (as df reports it). */
  diskFreeKb?: number;
  diskUsePct?: number;
  memAvailableKb?: number;
  memTotalKb?: number;
  /** --load: CPU % (sum over processes, 100 = one core) and memory % of all processes, and of the login user's. */
  cpuPctTotal?: number;
  memPctTotal?: number;
  cpuPctUser?: number;
  memPctUser?: number;
  /** --load: processes started by lwt (they carry LWT_JOB or LWT_TASK in their environment). */
  lwtProcesses?: number;
}

/**
 * One POSIX sh command for the whole probe, printing `key=value` lines. Builtins and a few
 * standard tools only (df, awk, ps, grep); each part fails on its own without hiding the others.
 */
export function probeCommand(opts: { diskPath: string; load: boolean }): string {
  const lines = [
    'read l1 l5 l15 rest < /proc/loadavg 2>/dev/null && echo "load=$l1 $l5 $l15"',
    'read up idle < /proc/uptime 2>/dev/null && echo "uptime=$up"',
    'echo "cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || grep -c ^processor /proc/cpuinfo)"',
    `df -Pk -- ${shellQuote(opts.diskPath)} 2>/dev/null | awk 'NR==2 {sub("%","",$5); print "disk=" $4 " " $5}'`,
    `awk '/^MemTotal:/ {t=$2} /^MemAvailable:/ {a=$2} END {if (t) print "mem=" a " " t}' /proc/meminfo 2>/dev/null`,
  ];
  if (opts.load) {
    lines.push(
      `ps -eo user=,pcpu=,pmem= 2>/dev/null | awk -v me="$(id -un)" '{c+=$2; m+=$3} $1==me {uc+=$2; um+=$3} END {printf "ps=%.1f %.1f %.1f %.1f\\n", c, m, uc, um}'`,
      `echo "lwt=$(grep -lzE '^LWT_(JOB|TASK)=' /proc/[0-9]*/environ 2>/dev/null | wc -l)"`,
    );
  }
  return lines.join('\n');
}

const num = (s: string | undefined): number | undefined => {
  if (s === undefined || s === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
};

/** Parse the probe's output; unknown or broken lines are ignored. */
export function parseProbeOutput(text: string): HostMetrics {
  const m: HostMetrics = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const v = line.slice(eq + 1).trim().split(/\s+/);
    switch (key) {
      case 'load':
        [m.load1, m.load5, m.load15] = [num(v[0]), num(v[1]), num(v[2])];
        break;
      case 'uptime':
        m.uptimeSec = num(v[0]);
        break;
      case 'cpus':
        m.cpus = num(v[0]);
        break;
      case 'disk':
        [m.diskFreeKb, m.diskUsePct] = [num(v[0]), num(v[1])];
        break;
      case 'mem':
        [m.memAvailableKb, m.memTotalKb] = [num(v[0]), num(v[1])];
        break;
      case 'ps':
        [m.cpuPctTotal, m.memPctTotal, m.cpuPctUser, m.memPctUser] = [num(v[0]), num(v[1]), num(v[2]), num(v[3])];
        break;
      case 'lwt':
        m.lwtProcesses = num(v[0]);
        break;
    }
  }
  for (const k of Object.keys(m) as (keyof HostMetrics)[]) if (m[k] === undefined) delete m[k];
  return m;
}
