import { shellQuote } from '../core/shell-quote.js';

/** A literal '$' for the template below, whose shell code is full of ${…} expansions. */
const D = '$';

/**
 * The remote half of kill-tree.ts, as a POSIX sh + awk script run in a second exec channel
 * on the same connection. Same rules as the local kill: a process belongs to the job if it
 * is the session leader `r`, in its session or process group, carries the job cookie `c`
 * in its environment, or descends from any of those. Freeze the group, then snapshot and
 * SIGSTOP until a round finds nothing new, then SIGKILL deepest first, then wait until they
 * are gone. Prints `killed N`. Needs Linux /proc; GNU grep -z finds cookies in one process.
 *
 * Why a script and not signals over the channel: channel.signal() does nothing once stdin
 * has ended, OpenSSH refuses signal requests for root logins, and a signal to one process
 * is not a kill of its tree.
 */
export const REMOTE_KILL_SCRIPT = `
c=$1; r=$(( $2 + 0 )); me=$$
frozen=" "
[ "$r" -gt 1 ] 2>/dev/null && kill -STOP -- "-$r" 2>/dev/null
snap() {
  for d in /proc/[0-9]*; do
    read -r s 2>/dev/null < "$d/stat" || continue
    p=${D}{d#/proc/}; s=${D}{s##*) }
    set -- $s
    [ "$1" = Z ] && continue
    echo "$p $2 $3 $4"
  done
}
i=0
while [ $i -lt 20 ]; do
  i=$((i+1))
  ck=" $(grep -lzx -- "$c" /proc/[0-9]*/environ 2>/dev/null | sed 's#^/proc/##; s#/environ$##' | tr '\\n' ' ')"
  plan=$(snap | awk -v r="$r" -v ck="$ck" -v me="$me" '
    { pid[NR] = $1 + 0; par[$1 + 0] = $2 + 0; pg[NR] = $3 + 0; se[NR] = $4 + 0; n = NR }
    END {
      # Never touch init, this script or its ancestors (kernel threads are session 0, never r).
      keep[0] = 1; keep[1] = 1
      for (q = me + 0; q > 1 && !(q in keep); q = par[q]) keep[q] = 1
      for (i = 1; i <= n; i++) { p = pid[i]
        if (p in keep) continue
        if ((r > 1 && (p == r || pg[i] == r || se[i] == r)) || index(ck, " " p " ")) sel[p] = 1 }
      do { ch = 0
        for (i = 1; i <= n; i++) { p = pid[i]
          if (!(p in sel) && !(p in keep) && (par[p] in sel)) { sel[p] = 1; ch = 1 } }
      } while (ch)
      for (p in sel) { d = 0; q = p; while ((par[q] in sel) && d < 4096) { d++; q = par[q] }
        print d, p }
    }')
  new=0
  while read -r d p; do
    [ -n "$p" ] || continue
    case "$frozen" in *" $p:"*) continue ;; esac
    kill -STOP "$p" 2>/dev/null && { frozen="$frozen$p:$d "; new=1; }
  done <<PLAN
$plan
PLAN
  [ $new = 0 ] && break
done
order=$(for e in $frozen; do echo "${D}{e#*:} ${D}{e%%:*}"; done | sort -rn | awk '{print $2}')
n=0
for p in $order; do kill -KILL "$p" 2>/dev/null && n=$((n+1)); done
[ "$r" -gt 1 ] 2>/dev/null && kill -KILL -- "-$r" 2>/dev/null
t=0
while [ $t -lt 40 ]; do
  alive=0
  for p in $order; do
    if read -r s 2>/dev/null < "/proc/$p/stat"; then s=${D}{s##*) }; case "$s" in Z*) ;; *) alive=1 ;; esac; fi
  done
  [ $alive = 0 ] && break
  sleep 0.05 2>/dev/null || sleep 1
  t=$((t+1))
done
echo "killed $n"
`;

/**
 * The exec line for the kill: `sh -c SCRIPT lwt-kill COOKIE PID`. `pid` undefined means
 * the pid line never arrived: then only the cookie and descent select processes.
 */
export function remoteKillCommand(cookie: string, pid: number | undefined, sudo = false): string {
  return `${sudo ? 'sudo -n ' : ''}/bin/sh -c ${shellQuote(REMOTE_KILL_SCRIPT)} lwt-kill ${shellQuote(cookie)} ${pid ?? 0}`;
}

/** The count the script printed, or 0 when it printed nothing we understand. */
export function parseKillReport(stdout: string): number {
  const m = /killed (\d+)/.exec(stdout);
  return m ? Number(m[1]) : 0;
}
