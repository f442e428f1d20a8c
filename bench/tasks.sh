#!/usr/bin/env bash
# The task scheduler at scale: one cycle that places and starts INSTANCES tasks on HOSTS hosts,
# then steady-state check cycles with all of them running, interleaved with `lwt exec-all true`
# on the same hosts (the goal: a check cycle within 2x of exec-all, one connection per host each).
# Usage: bash bench/tasks.sh [HOSTS (default 200)] [INSTANCES (default 1000)] [RUNS (default 3)]
# Prints wall time and max RSS of each; medians of RUNS interleaved repetitions and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
hosts_n=${1:-200}; instances=${2:-1000}; runs=${3:-3}
dir=/tmp/lwt-bench-tasks; port=2246
[ -f dist/src/cli/main.js ] || npm run build --silent
tmp=$(mktemp -d)
kill_tasks() { # every process started by this benchmark's tasks (their environment names the task)
  for p in /proc/[0-9]*; do
    if tr '\0' '\n' 2>/dev/null < "$p/environ" | grep -qx 'LWT_TASK_NAME=benchtask'; then kill -9 "${p#/proc/}" 2>/dev/null || true; fi
  done
  rm -rf "$HOME"/.lwt-tasks/benchtask.* 2>/dev/null || true
}
cleanup() { kill_tasks; node dist/test/fleet/cli.js down --dir "$dir" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
node dist/test/fleet/cli.js up "$hosts_n" --dir "$dir" --port "$port" >&2
cfg=$dir/ssh_config
home=$tmp/home; bin/lwt init "$home" >/dev/null
grep -v '^#' "$dir/hosts-all" > "$home/hosts/ok"
mkdir -p "$home/tasks/benchtask"
printf 'command: "sleep 3600"\n' > "$home/tasks/benchtask/task.yaml"
slots=$(( (instances + hosts_n - 1) / hosts_n ))
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timed() { # label cmd... -> "wall maxrss_kb"
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -o "$tmp/time" -f '%M' "$@" > "$tmp/out" 2> "$tmp/err" || true
  t1=$(date +%s.%N)
  echo "$(echo "$t1 - $t0" | bc -l) $(tail -1 "$tmp/time")"
}
echo "# bash bench/tasks.sh $hosts_n $instances $runs   ($(nproc) cores, $(ssh -V 2>&1), node $(node -v))"
bin/lwt --home "$home" task add benchtask --count "$instances" > /dev/null
place=$(timed bin/lwt -q --home "$home" task-update -F "$cfg" -p 128 --slots "$slots")
running=$(bin/lwt --home "$home" task list --state running | tail -n +2 | wc -l)
echo "place+start cycle: $instances instances on $hosts_n hosts (--slots $slots): wall ${place% *} s, max RSS ${place#* } KB; running after it: $running"
: > "$tmp/exec"; : > "$tmp/check"
for i in $(seq 1 "$runs"); do
  timed bin/lwt -q --home "$home" exec-all -F "$cfg" -p 128 -H "$home/hosts/ok" true >> "$tmp/exec" || true
  timed bin/lwt -q --home "$home" task-update -F "$cfg" -p 128 --slots "$slots" >> "$tmp/check"
done
e=$(cut -d' ' -f1 "$tmp/exec" | median); c=$(cut -d' ' -f1 "$tmp/check" | median)
em=$(cut -d' ' -f2 "$tmp/exec" | median); cm=$(cut -d' ' -f2 "$tmp/check" | median)
echo "steady state, medians of $runs (interleaved): exec-all true ${e} s (${em} KB) | check cycle with $running running ${c} s (${cm} KB) | ratio $(echo "$c / $e" | bc -l | cut -c1-4)"
