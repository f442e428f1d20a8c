#!/usr/bin/env bash
# lwt exec-all at high fanout, side by side with the peers present on this machine (pdsh,
# parallel-ssh, clush, xargs+ssh), against a local test fleet of real OpenSSH sshd listeners
# on loopback addresses. Does the run collapse when every host is started at once?
#
# Configurations (HOSTS/FANOUT, --configs): 1000/1000 and 2000/256 by default; one fleet of
# max(HOSTS) good hosts, smaller configurations use its first HOSTS hosts. Every tool runs
# `CMD && echo HOST: ok` on every host (CMD default `sleep 5`), with the same connect deadline.
# Repetitions are interleaved (run 1 of every tool, then run 2 ...; the tool order rotates
# each run), and the table gives per tool and configuration:
#   median wall s     from start to exit
#   ratio/lwt         median wall over lwt's
#   max RSS MB        the largest single process (/usr/bin/time %M), worst run
#   peak sum RSS MB   all the tool's processes together (its process group, sampled every
#                     0.5 s from /proc): what 1000 ssh clients cost next to one lwt
#   hosts ok          worst run: hosts that printed "HOST: ok", of HOSTS
#
# Usage: bash bench/scale.sh [options]
#   --configs LIST          HOSTS/FANOUT pairs, comma-separated  (default 1000/1000,2000/256)
#   --runs R                timed runs per tool and configuration (default 3)
#   --tools LIST            lwt,pdsh,pssh,clush,xargs  (default: lwt and those installed)
#   --cmd CMD               remote command                     (default 'sleep 5')
#   --connect-timeout S     connect deadline for every tool    (default 10, lwt's own)
#   --lwt-args ARGS         extra lwt exec-all options, word-split (e.g. '--handshakes 64')
#   --timeout S             hard limit per tool run, via timeout(1) (default 600)
#   --port P                fleet port                          (default 2247)
#   --dir DIR               fleet folder              (default /tmp/lwt-bench-scale-fleet)
#   --results DIR           where raw numbers and the report go (default bench/results)
#   -h, --help              this text
#
# Output: the report on stdout (progress on stderr), copied to bench/results/scale-STAMP.txt;
# raw per-run numbers in scale-STAMP.tsv; stderr tails of runs with failing hosts in
# scale-STAMP.errors.
#
# Quick check:  bash bench/scale.sh --configs 50/50 --runs 1 --cmd true
#
# How each tool is run (all read the fleet's ssh_config, which pins KexAlgorithms
# curve25519-sha256, the key, known_hosts and the user):
#   lwt    bin/lwt -q --home TMP exec-all -F CFG -H HOSTS -p F --connect-timeout S CMD'
#   pdsh   PDSH_SSH_ARGS_APPEND="-F CFG" pdsh -R ssh -f F -t S -w ^HOSTS CMD'
#   pssh   parallel-ssh -P -h HOSTS -p F -t 0 -x "-F CFG -o ConnectTimeout=S" CMD'
#   clush  clush --nostdin -f F -t S --hostfile HOSTS -o "-F CFG -oConnectTimeout=S" CMD'
#   xargs  xargs -P F -I{} ssh -F CFG -o ConnectTimeout=S {} 'CMD && echo {}: ok' < HOSTS
# where CMD' is `CMD && echo ok` (these tools prefix each line with its host).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
ORIG_ARGS=("$@")

CONFIGS=1000/1000,2000/256
RUNS=3
TOOLS=
CMD_REMOTE='sleep 5'
CT=10
LWT_ARGS=
RUN_TIMEOUT=600
PORT=2247
FLEET_DIR=/tmp/lwt-bench-scale-fleet
RESULTS=$ROOT/bench/results


while [ $# -gt 0 ]; do
  case $1 in
    --configs) need "$@"; CONFIGS=$2; shift ;;
    --runs) need "$@"; int "$1" "$2"; RUNS=$2; shift ;;
    --tools) need "$@"; TOOLS=$2; shift ;;
    --cmd) need "$@"; CMD_REMOTE=$2; shift ;;
    --connect-timeout) need "$@"; int "$1" "$2"; CT=$2; shift ;;
    --lwt-args) need "$@"; LWT_ARGS=$2; shift ;;
    --timeout) need "$@"; int "$1" "$2"; RUN_TIMEOUT=$2; shift ;;
    --port) need "$@"; int "$1" "$2"; PORT=$2; shift ;;
    --dir) need "$@"; FLEET_DIR=$2; shift ;;
    --results) need "$@"; RESULTS=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
  shift
done

[ "$RUNS" -ge 1 ] || die "--runs must be at least 1"
declare -A TOOL_BIN=([lwt]=node [pdsh]=pdsh [pssh]=parallel-ssh [clush]=clush [xargs]=xargs)
ABSENT=
if [ -z "$TOOLS" ]; then
  TOOLS=lwt
  for t in pdsh pssh clush xargs; do
    if command -v "${TOOL_BIN[$t]}" >/dev/null; then TOOLS="$TOOLS $t"; else ABSENT="$ABSENT $t"; fi
  done
else
  TOOLS=${TOOLS//,/ }
  for t in $TOOLS; do
    [ -n "${TOOL_BIN[$t]:-}" ] || die "unknown tool: $t (known: lwt pdsh pssh clush xargs)"
    command -v "${TOOL_BIN[$t]}" >/dev/null || die "tool $t needs ${TOOL_BIN[$t]} on PATH (or leave it out with --tools)"
  done
fi
CONFIGS=${CONFIGS//,/ }
MAX_HOSTS=0
for c in $CONFIGS; do
  case $c in */*) ;; *) die "--configs: HOSTS/FANOUT expected, got '$c'" ;; esac
  int --configs "${c%/*}"; int --configs "${c#*/}"
  [ "${c%/*}" -ge 1 ] && [ "${c#*/}" -ge 1 ] || die "--configs: counts must be >= 1"
  [ "${c%/*}" -gt "$MAX_HOSTS" ] && MAX_HOSTS=${c%/*}
done
FLEET_DIR=$(cd "$(dirname "$FLEET_DIR")" 2>/dev/null && pwd)/$(basename "$FLEET_DIR") || die "bad --dir"

# ---------------------------------------------------------------- setup, cleanup

FLEET_CLI=$ROOT/dist/test/fleet/cli.js
LWT=$ROOT/bin/lwt
CFG=$FLEET_DIR/ssh_config
FLEET_UP=0
CHILD=
SAMPLER=
WORK=

cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  stop_run
  exit "$rc"
}
bench_traps

for c in node ssh timeout /usr/bin/time awk ps; do command -v "$c" >/dev/null || die "needs $c"; done
cd "$ROOT" || die "cannot cd to $ROOT"
if [ ! -f dist/src/cli/main.js ] || [ ! -f "$FLEET_CLI" ]; then
  echo "bench: dist/ missing, building" >&2
  npm run build --silent || die "build failed"
fi

# The peers start one ssh (several fds) per host in flight, lwt one socket per host.
hard=$(ulimit -Hn)
want=65536
[ "$hard" != unlimited ] && [ "$hard" -lt "$want" ] && want=$hard
ulimit -n "$want" 2>/dev/null || echo "bench: could not raise ulimit -n to $want" >&2
ulimit -u unlimited 2>/dev/null || true

mkdir -p "$RESULTS" || die "cannot create $RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
STAMP=$(date +%Y%m%d-%H%M%S)
RAW=$RESULTS/scale-$STAMP.tsv
REPORT=$RESULTS/scale-$STAMP.txt
ERRLOG=$RESULTS/scale-$STAMP.errors
WORK=$(mktemp -d "$FLEET_DIR.work.XXXXXX") || die "mktemp failed"
LWT_HOME_DIR=$WORK/lwt-home
mkdir -p "$LWT_HOME_DIR"
cd "$WORK" || die "cannot cd to $WORK"
printf 'hosts\tfanout\ttool\trun\twall_s\tmaxrss_kb\tsumrss_kb\trc\tok_hosts\n' >"$RAW"
: >"$REPORT"


# ---------------------------------------------------------------- one tool run

# build_cmd TOOL HOSTSFILE FANOUT -> CMD array
build_cmd() {
  local hf=$2 f=$3 rcmd="$CMD_REMOTE && echo ok"
  case $1 in
    # shellcheck disable=SC2206 # --lwt-args is word-split on purpose
    lwt) CMD=("$LWT" -q --home "$LWT_HOME_DIR" exec-all -F "$CFG" -H "$hf" -p "$f" --connect-timeout "$CT" $LWT_ARGS "$rcmd") ;;
    pdsh) CMD=(env PDSH_RCMD_TYPE=ssh PDSH_SSH_ARGS_APPEND="-F $CFG" pdsh -R ssh -f "$f" -t "$CT" -w "^$hf" "$rcmd") ;;
    pssh) CMD=(parallel-ssh -P -h "$hf" -p "$f" -t 0 -x "-F $CFG -o ConnectTimeout=$CT" "$rcmd") ;;
    clush) CMD=(clush --nostdin -f "$f" -t "$CT" --hostfile "$hf" -o "-F $CFG -oConnectTimeout=$CT" "$rcmd") ;;
    xargs) CMD=(xargs -a "$hf" -P "$f" -I{} ssh -F "$CFG" -o ConnectTimeout="$CT" {} "$CMD_REMOTE && echo {}: ok") ;;
  esac
}

# run_tool TOOL HOSTSFILE FANOUT RUN: appends one row to $RAW
run_tool() {
  local tool=$1 hf=$2 f=$3 run=$4 hosts out=$WORK/out err=$WORK/err tf=$WORK/time s e rc wall rss ok sum
  hosts=$(grep -c . "$hf")
  rm -f "$out" "$err" "$tf" "$WORK/sum"
  build_cmd "$tool" "$hf" "$f"
  s=$(date +%s%N)
  ( cd "$LWT_HOME_DIR" && exec timeout -k 10 "$RUN_TIMEOUT" /usr/bin/time -o "$tf" -f '%e %M' "${CMD[@]}" ) \
    </dev/null >"$out" 2>"$err" &
  CHILD=$!
  # Sum of RSS over timeout(1)'s process group (the tool and every ssh it started).
  ( peak=0; while :; do
      n=$(ps -eo pgid=,rss= | awk -v g="$CHILD" '$1 == g { s += $2 } END { print s + 0 }')
      [ "$n" -gt "$peak" ] && { peak=$n; echo "$peak" >"$WORK/sum"; }
      sleep 0.5
    done ) &
  SAMPLER=$!
  wait "$CHILD"
  rc=$?
  reap_timed_out "$rc" "$CHILD"
  CHILD=
  e=$(date +%s%N)
  kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null; SAMPLER=
  sum=$(cat "$WORK/sum" 2>/dev/null || echo 0)
  wall=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", (e - s) / 1e9 }')
  read -r _ rss < <(tail -n 1 "$tf" 2>/dev/null) || true
  [[ ${rss:-} =~ ^[0-9]+$ ]] || rss=NA
  # Hosts of the list that printed "HOST: ok", each counted once.
  ok=$(awk 'NR == FNR { want[$1] = 1; next }
            /^[^ \t:]+: ok$/ { h = $0; sub(/: ok$/, "", h); if (h in want) seen[h] = 1 }
            END { n = 0; for (h in seen) n++; print n }' "$hf" "$out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$hosts" "$f" "$tool" "$run" "$wall" "$rss" "$sum" "$rc" "$ok" >>"$RAW"
  if [ "$ok" != "$hosts" ]; then
    {
      echo "=== hosts=$hosts fanout=$f tool=$tool run=$run rc=$rc ok=$ok"
      echo "--- stderr (last 20 lines)"; tail -n 20 "$err"
    } >>"$ERRLOG"
  fi
  note "$(printf 'H=%-5s F=%-5s %-6s #%s rc=%-3s ok=%s/%s wall=%ss maxrss=%sKB sumrss=%sKB' "$hosts" "$f" "$tool" "$run" "$rc" "$ok" "$hosts" "$wall" "$rss" "$sum")"
}

# summarize HOSTS FANOUT TOOL -> "median_wall max_rss_kb max_sum_kb worst_ok"
summarize() {
  awk -F'\t' -v h="$1" -v f="$2" -v tool="$3" '
    function median(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    NR > 1 && $1 == h && $2 == f && $3 == tool {
      n++; w[n] = $5
      if ($6 != "NA" && $6 > rss) rss = $6
      if ($7 > sum) sum = $7
      if (n == 1 || $9 < worst) worst = $9
    }
    END { if (n == 0) print "NA 0 0 0"; else printf "%.3f %d %d %d\n", median(w, n), rss, sum, worst }' "$RAW"
}

# ---------------------------------------------------------------- report

say "# lwt exec-all at high fanout vs the peers present, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
args_q=$(printf ' %q' "${ORIG_ARGS[@]}")
say "command: bash bench/scale.sh${ORIG_ARGS[*]:+$args_q}"
say "machine: nproc $(nproc), $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg) at start, ulimit -n $(ulimit -n)"
say "ssh:     $(ssh -V 2>&1); node $(node --version); lwt $("$LWT" --version 2>/dev/null) (commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo ?))"
say "tools:   $TOOLS${ABSENT:+ (not installed here:$ABSENT)}"
say "remote:  \`$CMD_REMOTE\` on every host, connect deadline $CT s for every tool; lwt extra args: ${LWT_ARGS:-none}"
say "fleet:   real sshd listeners (16 addresses each) on 127.0.x.y port $PORT, folder $FLEET_DIR"
say "raw:     $RAW; failing runs in $ERRLOG"
say ""

FLEET_UP=1
out=$(node "$FLEET_CLI" up "$MAX_HOSTS" --port "$PORT" --dir "$FLEET_DIR" 2>&1) || { echo "$out" >&2; die "fleet up $MAX_HOSTS failed"; }
note "$(echo "$out" | head -n 1)"
[ -s "$CFG" ] || die "fleet wrote no $CFG"

say "$(printf '%6s %7s  %-6s %14s %9s %11s %16s  %s' hosts fanout tool 'median wall s' 'ratio/lwt' 'max RSS MB' 'peak sum RSS MB' 'hosts ok (worst run)')"
for c in $CONFIGS; do
  h=${c%/*} f=${c#*/}
  hf=$WORK/hosts-$h
  head -n "$h" "$FLEET_DIR/hosts" >"$hf"
  set -- $TOOLS
  for r in $(seq "$RUNS"); do
    # Rotate the order each run, so no tool always follows the same one.
    for _ in $(seq $(( (r - 1) % $# ))); do set -- "${@:2}" "$1"; done
    for t in "$@"; do run_tool "$t" "$hf" "$f" "$r"; done
    set -- $TOOLS
  done
  read -r lwt_wall _ _ _ < <(summarize "$h" "$f" lwt)
  for t in $TOOLS; do
    read -r w rss sum worst < <(summarize "$h" "$f" "$t")
    ratio=$(awk -v a="$w" -v b="$lwt_wall" 'BEGIN { if (b > 0 && a != "NA") printf "%.2f", a / b; else print "-" }')
    say "$(printf '%6s %7s  %-6s %14s %9s %11.1f %16.1f  %s' "$h" "$f" "$t" "$w" "$ratio" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$(awk -v k="$sum" 'BEGIN { print k / 1024 }')" "$worst/$h")"
  done
done
say ""
say "(median of $RUNS interleaved run(s); max RSS = largest single process over the runs; peak sum RSS = the tool's whole process group, sampled every 0.5 s)"

node "$FLEET_CLI" down --dir "$FLEET_DIR" >/dev/null 2>&1 && FLEET_UP=0
say "report: $REPORT"
