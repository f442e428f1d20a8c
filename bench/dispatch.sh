#!/usr/bin/env bash
# lwt dispatch side by side with GNU parallel and xargs -P on the same jobs and fleet.
#   remote: `echo {}` per line over H hosts x J slots. lwt keeps one connection per host and
#           runs each slot's jobs through one command runner on the host (a channel per slot);
#           GNU parallel -S and xargs+ssh open one ssh per job
#           (they get fewer lines, --peer-lines, since each costs a handshake: compare jobs/s).
#   local:  `true` per line, 16 at once: lwt dispatch --local 16 vs xargs -P 16, parallel -j 16.
# Repetitions interleave the tools (order rotated); medians and ratios come from this one run.
# Usage: bash bench/dispatch.sh [--hosts 20] [--jobs 8] [--lines 10000] [--peer-lines 1000]
#                               [--local-lines 10000] [--runs 3] [--port 2247] [--dir DIR]
# Needs GNU parallel and ssh; starts and stops its own fleet (test/fleet) under the fleet lock's
# rule: run nothing else heavy meanwhile.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HOSTS=20 JOBS=8 LINES=10000 PEER_LINES=1000 LOCAL_LINES=10000 RUNS=3 PORT=2247 DIR=/tmp/lwt-bench-dispatch
while [ $# -gt 0 ]; do
  case $1 in
    --hosts) HOSTS=$2; shift 2 ;; --jobs) JOBS=$2; shift 2 ;; --lines) LINES=$2; shift 2 ;;
    --peer-lines) PEER_LINES=$2; shift 2 ;; --local-lines) LOCAL_LINES=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;; --port) PORT=$2; shift 2 ;; --dir) DIR=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "bench: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v parallel >/dev/null || { echo "bench: needs GNU parallel" >&2; exit 1; }
[ -f "$ROOT/dist/src/cli/main.js" ] || (cd "$ROOT" && npm run build --silent)
LWT="$ROOT/bin/lwt"
FLEET="node $ROOT/dist/test/fleet/cli.js"
tmp=$(mktemp -d)
cleanup() { $FLEET down --dir "$DIR" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
$FLEET up "$HOSTS" --port "$PORT" --dir "$DIR" >/dev/null
CFG=$DIR/ssh_config
mapfile -t H < <(awk '{print $1}' "$DIR/hosts" | head -n "$HOSTS")
hostlist=$(IFS=,; echo "${H[*]}")
seq "$LINES" > "$tmp/lines"; seq "$PEER_LINES" > "$tmp/peer-lines"; seq "$LOCAL_LINES" > "$tmp/local-lines"
# xargs+ssh: each line paired with a host, round robin.
awk -v n="${#H[@]}" -v hs="${H[*]}" 'BEGIN{split(hs,h," ")} {print h[(NR-1)%n+1], $1}' "$tmp/peer-lines" > "$tmp/xargs-pairs"
sshlogins=$(printf "$JOBS/%s," "${H[@]}"); sshlogins=${sshlogins%,}
slots=$((HOSTS * JOBS))

declare -A CMD N
CMD[lwt-remote]="$LWT -q dispatch -F $CFG -w $hostlist -j $JOBS 'echo {}' < $tmp/lines"; N[lwt-remote]=$LINES
CMD[parallel-remote]="parallel --ssh 'ssh -F $CFG' -S $sshlogins 'echo {}' < $tmp/peer-lines"; N[parallel-remote]=$PEER_LINES
CMD[xargs-remote]="xargs -P $slots -L 1 sh -c 'ssh -F $CFG \"\$0\" echo \"\$1\"' < $tmp/xargs-pairs"; N[xargs-remote]=$PEER_LINES
CMD[lwt-local]="$LWT -q dispatch --local 16 true < $tmp/local-lines"; N[lwt-local]=$LOCAL_LINES
CMD[xargs-local]="xargs -P 16 -n 1 sh -c true < $tmp/local-lines"; N[xargs-local]=$LOCAL_LINES
CMD[parallel-local]="parallel -j 16 true < $tmp/local-lines"; N[parallel-local]=$LOCAL_LINES

run_once() { # run_once NAME -> wall seconds; checks the line count on stdout
  local s e out
  s=$(date +%s.%N); out=$(bash -c "${CMD[$1]}" 2>"$tmp/$1.err" | wc -l); e=$(date +%s.%N)
  case $1 in *local) ;; *) [ "$out" = "${N[$1]}" ] || echo "bench: $1 printed $out lines of ${N[$1]}" >&2 ;; esac
  echo "$e - $s" | bc -l
}

echo "bench/dispatch.sh: $HOSTS hosts x $JOBS slots (port $PORT), $RUNS interleaved runs; $(nproc) cores shared with the fleet; node $(node --version), lwt $(git -C "$ROOT" rev-parse --short HEAD)"
for section in remote local; do
  tools=(lwt parallel xargs)
  for r in $(seq "$RUNS"); do
    rot=$(( (r - 1) % 3 )); order=("${tools[@]:$rot}" "${tools[@]:0:$rot}")
    for t in "${order[@]}"; do echo "$t $(run_once "$t-$section")" >> "$tmp/$section.times"; done
  done
  printf '\n%-8s %-9s %8s %10s %10s %12s\n' "$section" tool lines "median_s" "jobs/s" "ms/job"
  declare -A RATE=()
  for t in "${tools[@]}"; do
    med=$(awk -v t="$t" '$1==t{print $2}' "$tmp/$section.times" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
    n=${N[$t-$section]}
    RATE[$t]=$(echo "$n / $med" | bc -l)
    printf '%-8s %-9s %8d %10.2f %10.1f %12.3f\n' "" "$t" "$n" "$med" "${RATE[$t]}" "$(echo "$med * 1000 / $n" | bc -l)"
  done
  printf '%-8s lwt jobs/s over parallel: %.1fx, over xargs: %.1fx\n' "" "$(echo "${RATE[lwt]} / ${RATE[parallel]}" | bc -l)" "$(echo "${RATE[lwt]} / ${RATE[xargs]}" | bc -l)"
done
