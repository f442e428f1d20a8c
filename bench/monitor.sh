#!/usr/bin/env bash
# One `lwt monitor` cycle next to pssh and pdsh running the same probe command on the same list.
# Fleet: GOOD good hosts + 10 % refused + 10 % blackhole (no banner), connect timeout 3 s.
# Usage: bash bench/monitor.sh [HOSTS (default 500)] [RUNS (default 3)] [FANOUT (default 128)] [TOOLS (default lwt,pssh,pdsh)]
# The fleet runs on this machine, whose load the benchmark itself drives up: lwt gets --max-load
# and --max-disk out of the way so that, like the peers, it counts reachable hosts.
# Prints median wall time of RUNS runs per tool, lwt's peak RSS, and how many hosts each found ok.
set -euo pipefail
cd "$(dirname "$0")/.."
total=${1:-500}; runs=${2:-3}; fanout=${3:-128}; tools=${4:-lwt,pssh,pdsh}
bad=$((total / 10)); good=$((total - 2 * bad))
dir=/tmp/lwt-bench-monitor; port=2245
[ -f dist/src/cli/main.js ] || npm run build --silent
tmp=$(mktemp -d)
cleanup() { node dist/test/fleet/cli.js down --dir "$dir" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
node dist/test/fleet/cli.js up "$good" --refused "$bad" --blackhole "$bad" --dir "$dir" --port "$port" >&2
cfg=$dir/ssh_config; hosts=$dir/hosts-all
home=$tmp/home; mkdir -p "$home/hosts"; cp "$hosts" "$home/hosts/candidates"
probe=$(node --input-type=module -e "import { probeCommand } from '$PWD/dist/src/hosts/probe.js'; process.stdout.write(probeCommand({ diskPath: '/', load: false }))")
printf '%s\n' "$probe" > "$tmp/probe.sh"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run_tool() { # tool -> prints "wall maxrss_kb ok_hosts"
  local t0 t1 out=$tmp/out err=$tmp/err
  t0=$(date +%s.%N)
  case $1 in
    lwt) /usr/bin/time -o "$tmp/time" -f '%M' bin/lwt -q --home "$home" monitor -F "$cfg" --connect-timeout 3 -p "$fanout" --drop-after 1 --max-load 100000 --max-disk 100 --json > "$out" 2> "$err" || true
         ok=$(grep -c '"state":"ok"' "$out" || true) ;;
    pssh) /usr/bin/time -o "$tmp/time" -f '%M' parallel-ssh -h "$hosts" -p "$fanout" -t 0 -x "-F $cfg -o ConnectTimeout=3" -I < "$tmp/probe.sh" > "$out" 2> "$err" || true
         ok=$(grep -c 'SUCCESS' "$out" || true) ;;
    pdsh) PDSH_SSH_ARGS_APPEND="-F $cfg" /usr/bin/time -o "$tmp/time" -f '%M' pdsh -R ssh -f "$fanout" -t 3 -w "^$hosts" "$probe" > "$out" 2> "$err" || true
         ok=$(grep '^[^ ]*: load=' "$out" | cut -d: -f1 | sort -u | wc -l) ;;
  esac
  t1=$(date +%s.%N)
  echo "$(echo "$t1 - $t0" | bc -l) $(tail -1 "$tmp/time") $ok"
}
echo "# bash bench/monitor.sh $total $runs $fanout   ($(nproc) cores, $(ssh -V 2>&1), node $(node -v))"
echo "# fleet: $good good + $bad refused + $bad blackhole, connect timeout 3 s, fanout $fanout; ssh clients pin curve25519 via the fleet's ssh_config"
printf '%-6s %14s %14s %10s\n' tool median_wall_s max_rss_MB hosts_ok
for tool in ${tools//,/ }; do
  : > "$tmp/runs"
  for _ in $(seq "$runs"); do run_tool "$tool" >> "$tmp/runs"; done
  wall=$(awk '{print $1}' "$tmp/runs" | median); rss=$(awk '{print $2}' "$tmp/runs" | median); ok=$(awk '{print $3}' "$tmp/runs" | median)
  printf '%-6s %14.2f %14.1f %10s\n' "$tool" "$wall" "$(echo "$rss / 1024" | bc -l)" "$ok/$total"
done
