# What the side-by-side benchmarks share (exec-all.sh, put-all.sh, scale.sh): argument checks,
# the report, and the clean-up that leaves no tool run, sampler or fleet behind. Sourced after
# the script's `set -u`, never run; the script sets ROOT, FLEET_CLI, FLEET_DIR, REPORT and
# the run state CHILD, SAMPLER, FLEET_UP, WORK, and defines cleanup() calling stop_run.

# The header comment of the script, as its --help.
usage() { sed -n '2,/^set -u$/p' "$0" | sed -e '/^set -u$/d' -e 's/^# \{0,1\}//'; }
die() { echo "bench: $*" >&2; exit 2; }
need() { [ $# -ge 2 ] || die "$1 needs a value"; }
int() { case $2 in '' | *[!0-9]*) die "$1 must be a non-negative integer, got '$2'" ;; esac; }
say() { printf '%s\n' "$*" | tee -a "$REPORT"; }
note() { printf 'bench: %s\n' "$*" >&2; }

# Stop what a run may have left: the RSS sampler, the tool run (CHILD is timeout(1), leader of
# its own process group: TERM it, which passes the signal to its group, then KILL what is left of
# the group), the fleet, the work folder.
stop_run() {
  if [ -n "${SAMPLER:-}" ]; then kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null; fi
  if [ -n "${CHILD:-}" ] && kill -0 "$CHILD" 2>/dev/null; then
    kill -TERM "$CHILD" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$CHILD" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$CHILD" 2>/dev/null
    wait "$CHILD" 2>/dev/null
  fi
  if [ "${FLEET_UP:-0}" = 1 ]; then node "$FLEET_CLI" down --dir "$FLEET_DIR" >/dev/null 2>&1 || echo "bench: fleet down failed" >&2; fi
  server_cpu_detach
  if [ -n "${WORK:-}" ]; then rm -rf "$WORK"; fi
}

# After a run that hit its time limit (status 124): KILL what is left of timeout(1)'s process
# group. timeout TERMs the group, /usr/bin/time dies of it, and timeout then exits without its
# KILL; a tool that ignored the TERM (a hung lwt once did) would outlive the bench and keep the
# fleet lock, whose descriptor it inherited.
reap_timed_out() { if [ "$1" = 124 ]; then kill -KILL -- "-$2" 2>/dev/null || true; fi; }

# cleanup() on every way out; a signal ends the script with its shell status.
bench_traps() {
  trap cleanup EXIT
  trap 'echo "bench: interrupted" >&2; exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
}

# Server CPU: the fleet's sshd listeners are moved into a cpuacct cgroup of their own (v1
# cpuacct, else a cgroup v2 with cpu.stat), so everything they start is counted: the sshd of each
# connection, the login shell, the remote command, and processes that outlive their shell
# (reparented to init, but still in the cgroup). /proc's cutime would miss those. SERVER_CG is
# empty when no cgroup can be made (not root, no cpuacct): the numbers then read NA.
SERVER_CG=
SERVER_CG_UNIT=
server_cpu_attach() { # server_cpu_attach FLEET_DIR: after every fleet up
  local f pid base
  if [ -z "$SERVER_CG" ]; then
    for base in /sys/fs/cgroup/cpuacct /sys/fs/cgroup/unified /sys/fs/cgroup; do
      [ -w "$base" ] || continue
      if [ -f "$base/cpuacct.usage" ]; then SERVER_CG_UNIT=ns
      elif [ -f "$base/cgroup.controllers" ]; then SERVER_CG_UNIT=us
      else continue; fi
      SERVER_CG=$base/lwt-bench-$$
      mkdir -p "$SERVER_CG" 2>/dev/null && break
      SERVER_CG=
    done
    [ -n "$SERVER_CG" ] || { echo "bench: no cgroup for server CPU (needs root and cpuacct or cgroup v2): shown as NA" >&2; return 0; }
  fi
  for f in "$1"/sshd-*.pid; do
    [ -f "$f" ] || continue
    read -r pid <"$f" || continue
    echo "$pid" >"$SERVER_CG/cgroup.procs" 2>/dev/null || echo "bench: could not move sshd $pid into $SERVER_CG" >&2
  done
}

# Wait (at most 10 s) until only the listeners are left in the cgroup, so that sessions still
# closing after the client exited are counted; then print the cgroup's CPU in ms (NA without one).
server_cpu_ms() { # server_cpu_ms FLEET_DIR
  local listeners i n
  [ -n "$SERVER_CG" ] || { echo NA; return; }
  listeners=$(cat "$1"/sshd-*.pid 2>/dev/null | grep -c .)
  for i in $(seq 100); do
    n=$(grep -c . "$SERVER_CG/cgroup.procs")
    [ "$n" -le "$listeners" ] && break
    sleep 0.1
  done
  if [ "$SERVER_CG_UNIT" = ns ]; then awk '{ printf "%.1f\n", $1 / 1e6 }' "$SERVER_CG/cpuacct.usage"
  else awk '$1 == "usage_usec" { printf "%.1f\n", $2 / 1e3 }' "$SERVER_CG/cpu.stat"; fi
}

# Remove the cgroup once the fleet is down (its processes must be gone first; bounded wait).
server_cpu_detach() {
  local i
  [ -n "$SERVER_CG" ] || return 0
  for i in $(seq 50); do rmdir "$SERVER_CG" 2>/dev/null && { SERVER_CG=; return 0; }; sleep 0.1; done
  echo "bench: could not remove $SERVER_CG (processes left in it?)" >&2
}
