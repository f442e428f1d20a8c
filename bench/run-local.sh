#!/bin/sh
# lwt run against xargs -P and GNU parallel on the same jobs, side by side.
#   2000 × `true` at -p 50: per-job overhead of starting and reaping a job
#   200 × `sleep 0.1` at -p 50: scheduling (ideal wall time is 4 × 0.1 s = 0.4 s)
# Usage: sh bench/run-local.sh [RUNS]   (median of RUNS, default 3). Needs: parallel (Debian).
set -eu
cd "$(dirname "$0")/.."
runs=${1:-3}
command -v parallel >/dev/null || { echo "bench: needs GNU parallel (apt-get install parallel)" >&2; exit 1; }
[ -f dist/src/cli/main.js ] || npm run build --silent
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
yes true | head -n 2000 > "$tmp/true.jobs"
yes 'sleep 0.1' | head -n 200 > "$tmp/sleep.jobs"

# median wall seconds of a command over $runs runs
median() {
  for i in $(seq "$runs"); do
    s=$(date +%s.%N); sh -c "$1" >/dev/null 2>&1 || true; e=$(date +%s.%N)
    echo "$e - $s" | bc -l
  done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

printf '%-22s %-14s %10s %14s\n' workload tool wall_s per_job_ms
for w in true sleep; do
  n=$(wc -l < "$tmp/$w.jobs")
  for tool in lwt xargs parallel; do
    case $tool in
      lwt) cmd="bin/lwt run -q -p 50 $tmp/$w.jobs" ;;
      xargs) cmd="xargs -P 50 -d '\n' -n 1 sh -c < $tmp/$w.jobs" ;;
      parallel) cmd="parallel -j 50 < $tmp/$w.jobs" ;;
    esac
    t=$(median "$cmd")
    printf '%-22s %-14s %10.3f %14.3f\n' "$n x $w" "$tool" "$t" "$(echo "$t * 1000 / $n" | bc -l)"
  done
done
