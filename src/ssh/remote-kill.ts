import { shellQuote } from '../core/shell-quote.js';
import { JOB_COOKIE_VAR } from '../core/local-process.js';

/** A literal '$' for the template below, whose shell code is full of ${…} expansions. */
const D = '$';

/**
 * The remote half of kill-tree.ts, as a POSIX sh + awk script. Same rules as the local kill:
 * a process belongs to the job if it is the session leader `r`, in its session or process
 * group, carries the job cookie in its environment, or descends from any of those. Freeze,
 * then snapshot and SIGSTOP until a round finds nothing new, then SIGKILL deepest first, then
 * wait until they are gone. Prints `killed N`. Needs Linux /proc; GNU grep -z finds cookies.
 *
 * `sh -c SCRIPT lwt-kill MODE PID PARENT`, MODE one of:
 * - `kill` / `kill-sudo`: run in a second exec channel of the job's connection (deadline,
 *   Ctrl-C). The cookie's value is the first line of stdin (never argv: `ps` shows argv to
 *   everyone). PID is what the job reported on stderr, which the user's startup files could
 *   forge, so it is only a hint: the session leader is a child of this connection's sshd
 *   (the nearest sshd ancestor of this script) and not this script's own ancestor; the hint
 *   is taken only when it is such a child, else the only such child is, else none (prints
 *   `pid-refused PID`).
 * - `watch` / `watch-sudo`: the job's own watchdog, started in the background by the wrapper
 *   (remote-command.ts) with the cookie in its environment. At once, then every second, it
 *   checks that PID, the job's session leader, is still the child of PARENT, its sshd session;
 *   when the leader is gone the job ended and it exits; when the leader was reparented the session is
 *   gone (lwt died, the network broke) and it kills the job by the rules above. It lives in
 *   the job's session, so it skips the group signals and spares itself and its children.
 *
 * Whose processes: a session member (or its descendant) is the job's whatever its owner; a
 * process found only by the cookie counts only when its real uid is the job's user (ours, or
 * SUDO_UID under sudo), and so do its descendants: with --sudo, root-owned processes die only
 * when they descend from the job's session. Anyone can put the cookie in their environment.
 *
 * PATH gets the standard folders appended: the job's --env may have set a PATH without sleep,
 * awk or grep, and a watchdog without `sleep` would leave its loop at once.
 *
 * Why a script and not signals over the channel: channel.signal() does nothing once stdin
 * has ended, OpenSSH refuses signal requests for root logins, and a signal to one process
 * is not a kill of its tree.
 *
 * The script is put together from the parts below.
 */

/**
 * Shell code: `s`, a /proc/PID/stat line, becomes its fields after the command name. The name is
 * in parentheses and may hold ") ", the fields after it never do, so the separator is the last
 * ") ", found in linear time; `${s##*) }` tried every prefix of the ~300-character line (40 µs a
 * line in bash, 83 in dash; a kill's snapshot under dash, 66 processes: 4.5 → 2.5 ms).
 */
const AFTER_NAME = 'h=${s%") "*}; s=${s#"$h) "}';

// Start: arguments, the cookie, whose processes. In watch mode it looks first, then sleeps: most
// jobs have ended by the time this shell has started, and a sleep(1) process per job was half of
// the watchdog's cost to the host.
const HEAD = `
PATH=$PATH:/usr/bin:/bin
m=$1; r=$(( $2 + 0 )); pp=$(( $3 + 0 )); me=$$
case $m in
  watch*)
    c=${D}{${JOB_COOKIE_VAR}-}; unset ${JOB_COOKIE_VAR}
    while :; do
      read -r s 2>/dev/null < "/proc/$r/stat" || exit 0
      ${AFTER_NAME}; set -- $s
      [ "$1" = Z ] && exit 0
      [ "$2" = "$pp" ] || break
      sleep 1 || break
    done ;;
  *) c=; read -r c || true ;;
esac
case $c in *[!0-9a-f]*|'') c= ;; *) c="${JOB_COOKIE_VAR}=$c" ;; esac
case $m in *-sudo) u=${D}{SUDO_UID:--1} ;; *) u=self ;; esac
`;

const SNAP = `snap() {
  for d in /proc/[0-9]*; do
    read -r s 2>/dev/null < "$d/stat" || continue
    p=${D}{d#/proc/}; ${AFTER_NAME}; n=${D}{h#*\\(}
    set -- $s
    [ "$1" = Z ] && continue
    echo "$p $2 $3 $4 $n"
  done
}
`;

/** Kill channel only: the session leader is a child of our sshd that is not our ancestor. */
const FIND_LEADER = `if [ "$m" = kill ] || [ "$m" = kill-sudo ]; then
  v=$(snap | awk -v r="$r" -v me="$me" '
    { par[$1 + 0] = $2 + 0; cm[$1 + 0] = $5; ps[NR] = $1 + 0; n = NR }
    END {
      s = 0
      for (q = par[me + 0]; q > 1; q = par[q]) { anc[q] = 1; if (cm[q] == "sshd" || cm[q] == "sshd-session" || cm[q] == "dropbear") { s = q; break } }
      if (s == 0) { print 0; exit }
      k = 0; one = 0
      for (i = 1; i <= n; i++) { p = ps[i]
        if (par[p] == s && !(p in anc) && cm[p] != "sshd" && cm[p] != "sshd-session") { k++; one = p; if (p == r) ok = 1 } }
      print (ok ? r : (k == 1 ? one : 0))
    }')
  [ "$v" = "$r" ] || { [ "$r" -gt 1 ] && echo "pid-refused $r"; }
  r=$(( v + 0 ))
  [ "$r" -gt 1 ] && kill -STOP -- "-$r" 2>/dev/null
fi
`;

/** Freeze until a round finds nothing new, kill deepest first, wait until they are gone. */
const FREEZE_AND_KILL = `frozen=" "
i=0
while [ $i -lt 20 ]; do
  i=$((i+1))
  ck=" "
  [ -n "$c" ] && ck=" $(grep -lzx -- "$c" /proc/[0-9]*/environ 2>/dev/null | sed 's#^/proc/##; s#/environ$##' | tr '\\n' ' ')"
  plan=$(snap | awk -v r="$r" -v ck="$ck" -v me="$me" -v m="$m" -v u="$u" '
    function ruid(p,   f, l, a) {
      if (p in uc) return uc[p]
      uc[p] = -2; f = "/proc/" p "/status"
      while ((getline l < f) > 0) if (l ~ /^Uid:/) { split(l, a, /[ \\t]+/); uc[p] = a[2] + 0; break }
      close(f); return uc[p]
    }
    { pid[NR] = $1 + 0; par[$1 + 0] = $2 + 0; pg[NR] = $3 + 0; se[NR] = $4 + 0; n = NR }
    END {
      if (u == "self") u = ruid(me + 0); else u = u + 0
      # Never touch init or this script; in a second channel not its ancestors either, and
      # as the watchdog (inside the session) not its own children.
      keep[0] = 1; keep[1] = 1; keep[me + 0] = 1
      if (m ~ /^kill/) { for (q = par[me + 0]; q > 1 && !(q in keep); q = par[q]) keep[q] = 1 }
      else { mine[me + 0] = 1
        do { ch = 0; for (i = 1; i <= n; i++) { p = pid[i]; if (!(p in mine) && (par[p] in mine)) { mine[p] = 1; keep[p] = 1; ch = 1 } } } while (ch) }
      for (i = 1; i <= n; i++) { p = pid[i]
        if (p in keep) continue
        if (r > 1 && (p == r || pg[i] == r || se[i] == r)) sd[p] = 1
        else if (index(ck, " " p " ") && ruid(p) == u) cd[p] = 1 }
      do { ch = 0
        for (i = 1; i <= n; i++) { p = pid[i]; q = par[p]
          if ((p in keep) || (p in sd)) continue
          if (q in sd) { sd[p] = 1; ch = 1 }
          else if ((q in cd) && !(p in cd) && ruid(p) == u) { cd[p] = 1; ch = 1 } }
      } while (ch)
      for (p in cd) sd[p] = 1
      for (p in sd) { d = 0; q = p; while ((par[q] in sd) && d < 4096) { d++; q = par[q] }
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
case $m in kill*) [ "$r" -gt 1 ] && kill -KILL -- "-$r" 2>/dev/null ;; esac
t=0
while [ $t -lt 40 ]; do
  alive=0
  for p in $order; do
    if read -r s 2>/dev/null < "/proc/$p/stat"; then ${AFTER_NAME}; case "$s" in Z*) ;; *) alive=1 ;; esac; fi
  done
  [ $alive = 0 ] && break
  sleep 0.05 2>/dev/null || sleep 1
  t=$((t+1))
done
echo "killed $n"
`;

/**
 * The script as sent: without comment lines, blank lines and indentation. The watchdog's copy is
 * parsed by the login shell of every job (it is a word of the wrapper), at about 50 ns a
 * character under bash, so every character costs every host a little on every run.
 */
function compact(script: string): string {
  return script
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .join('\n');
}

/** For a second channel of the job's connection (deadline, Ctrl-C): `kill` / `kill-sudo`. */
export const REMOTE_KILL_SCRIPT = compact(HEAD + SNAP + FIND_LEADER + FREEZE_AND_KILL);

/** For the watchdog (`watch` / `watch-sudo`): the leader is known, so no search for it. */
export const WATCH_KILL_SCRIPT = compact(HEAD + SNAP + FREEZE_AND_KILL);

/**
 * The exec line for the kill in a second channel: `sh -c SCRIPT lwt-kill kill PID`, the
 * cookie's value going on stdin. `pid` undefined means the pid line never arrived: then the
 * script looks for the session leader itself.
 */
export function remoteKillCommand(pid: number | undefined, sudo = false): string {
  return `${sudo ? 'sudo -n ' : ''}/bin/sh -c ${shellQuote(REMOTE_KILL_SCRIPT)} lwt-kill ${sudo ? 'kill-sudo' : 'kill'} ${pid ?? 0}`;
}

/**
 * The watchdog, as shell words for the wrapper: a subshell of the shell that starts it, with its
 * own stdio (a watchdog holding the job's pipes would keep the channel open after the command
 * ended). It runs the script's watch loop itself and starts the script (`/bin/sh -c SCRIPT
 * lwt-watch watch LEADER SSHD`, which looks again and kills) only when the leader was
 * reparented: a job pays a fork, not a fork and an exec of /bin/sh. A shell that does not split
 * `$s` (zsh) hands over to the script at once, which then watches as it always did.
 *
 * It must not hold up a bare `wait` in the command (`a & b & wait` waits for every child of the
 * shell, and the watchdog waits for the job: neither would end). How it is started, cheapest
 * first (bench/wrapper-cost.sh):
 * - bash: a process substitution (`: > >(lwt_watch …)`). It is no job, so nothing to disown:
 *   `disown` files the job in bash's table of background pids, which bash sizes from
 *   RLIMIT_NPROC (32768 entries here) and fills at the first use. But bash 5.1+ makes a bare
 *   `wait` wait for process substitutions too, so while the job runs the watchdog checks, from
 *   its second look on, whether it is the only child of a leader that is still this bash: then the leader
 *   can only be waiting for it, and it hands over to a copy of itself outside the shell and
 *   exits (one fork, once, and the `wait` returns within a second).
 * - `wait` in the command's text, or bash in POSIX mode (bash 4 as sh has no process
 *   substitution there): in the background and disowned, as zsh and ksh.
 * - other shells (dash): from a subshell that exits at once.
 * The loop is a function, so that its text is written once; it is unset before the command
 * runs. Under --sudo LEADER and SSHD are `"$1"` `"$2"`, which the eval expands as the call would.
 */
export function remoteWatchWords(leader: string, parent: string, sudo: boolean, commandWaits = false): string {
  const script = `/bin/sh -c ${shellQuote(WATCH_KILL_SCRIPT)} lwt-watch ${sudo ? 'watch-sudo' : 'watch'}`;
  // bash waits its second with `read -t 1` on a pipe: its stdin (the process substitution's, or
  // an empty here-string's, read first) opened again read-write, so that it never reports end of
  // file. A job still running at the first look then costs the host no process at all, where
  // `sleep 1` is a fork and an exec every second. Other shells run `sleep 1`.
  const nap =
    `{ [ -n "\${BASH_VERSION-}" ] && { [ -n "\${n-}" ] || eval 'exec {n}<>/dev/stdin'; } && read -t 1 -u "$n" s; ` +
    `[ $? -gt 128 ] || sleep 1; }`;
  // Only as a process substitution (lwt_h unset), and from the second look on (lwt_t: the job
  // has run a second): the leader is still this bash (its name is bash's) and has no child but
  // this one, or its children cannot be read while it lives (the list has no newline at its
  // end, so read's status says nothing).
  const handOver =
    `{ [ -z "\${lwt_t-}" ] || [ -n "\${lwt_h-}" ] || [ "\${h#*\\(}" != "\${BASH##*/}" ] || ` +
    `{ k=; read -r k < "/proc/$r/task/$r/children"; [ -n "$k" ] && [ "$k" != "$BASHPID" ] || [ ! -d "/proc/$r" ]; } 2>/dev/null || ` +
    `{ lwt_h=1; lwt_watch "$r" "$pp" & exit 0; }; }`;
  const loop =
    `while read -r s 2>/dev/null < "/proc/$r/stat"; do ${AFTER_NAME}; set -- $s; ` +
    `[ "$1" = Z ] && exit 0; [ "$2" = "$pp" ] && ${handOver} && ${nap} && lwt_t=1 && continue; exec ${script} "$r" "$pp"; done`;
  // The watchdog's stdout and stderr go to /dev/null by an `exec` of its own, first thing: a
  // redirection on the call would make the shell keep a copy of the job's stdout and stderr to
  // put back afterwards (bash for a function, dash for any call), and sshd closes the channel
  // only when every copy is closed, so each job's end would wait for its watchdog's.
  const disowned = `eval '{ read -r s; lwt_h=1 lwt_watch ${leader} ${parent}; } <<<"" &'; disown`;
  // eval: only bash parses `<<<` and `>(…)`.
  const bash = commandWaits ? disowned : `case :$SHELLOPTS: in *:posix:*) ${disowned} ;; *) eval ': > >(lwt_watch ${leader} ${parent})' ;; esac`;
  return (
    `lwt_watch() { exec >/dev/null 2>&1; r=$1 pp=$2; ${loop}; }\n` +
    `if [ -n "\${BASH_VERSION-}" ]; then ${bash}; ` +
    `elif command -v disown >/dev/null 2>&1; then lwt_h=1 lwt_watch ${leader} ${parent} </dev/null & disown; ` +
    `else (lwt_h=1 lwt_watch ${leader} ${parent} </dev/null &); fi; unset -f lwt_watch`
  );
}

/** What the kill script printed: how many processes died, and a pid hint it refused. */
export function parseKillReport(stdout: string): { killed: number; refusedPid?: number } {
  const m = /killed (\d+)/.exec(stdout);
  const refused = /pid-refused (\d+)/.exec(stdout);
  return { killed: m ? Number(m[1]) : 0, ...(refused ? { refusedPid: Number(refused[1]) } : {}) };
}
