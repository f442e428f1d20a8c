#!/usr/bin/env bash
# `lwt exec-all` side by side with pdsh, parallel-ssh (pssh), clush and GNU parallel,
# against a local test fleet of real OpenSSH sshd listeners on loopback addresses.
#
# Sections (all run by default; pick with --sections):
#   table   `true` on H hosts at fanout F for every tool: median wall of R runs, ratio to
#           lwt, client CPU ms per host. One fleet of max(H) good hosts; smaller H use the
#           first H of its hosts.
#   mem     lwt's peak RSS with every connection open at once: a fleet of M good hosts,
#           lwt -p M running `sleep 2`; the peak count of open client connections is
#           sampled with ss(8) to show they really were open together.
#   faulty  20 good + 5 refused + 5 blackhole hosts (hosts-all), connect timeout 5 s for
#           every tool: median wall of R runs, hosts ok against the 20 expected.
#
# Usage: bash bench/exec-all.sh [options]
#   --hosts LIST            host counts for the table, comma-separated   (default 200,500)
#   --fanout LIST           fanouts for the table, comma-separated       (default 32,128)
#   --runs R                timed runs per tool and configuration        (default 3)
#   --tools LIST            lwt,lwt-detach,pdsh,pssh,clush,parallel,parallel-plain (default: all but lwt-detach)
#   --sections LIST         table,mem,faulty                             (default: all three)
#   --mem-hosts M           hosts and fanout of the memory run; 0 skips  (default 1000)
#   --mem-cmd CMD           command of the memory run                    (default 'sleep 2')
#   --mem-connect-timeout S lwt --connect-timeout for the memory run      (default 60)
#   --connect-timeout S     connect deadline given to every tool in the table (default 30)
#   --faulty                same as adding faulty to --sections (it is on by default)
#   --faulty-timeout S      connect deadline of the faulty section        (default 5)
#   --faulty-fanout F       fanout of the faulty section                  (default 32)
#   --timeout S             hard limit per tool run, via timeout(1)       (default 300)
#   --port P                fleet port                                    (default 2240)
#   --dir DIR               fleet folder                   (default /tmp/lwt-bench-fleet)
#   --results DIR           where raw numbers and the report go      (default bench/results)
#   -h, --help              this text
#
# Output: the report on stdout (command line, machine facts, one table per section; progress
# on stderr), copied to bench/results/exec-all-STAMP.txt; raw per-run numbers in
# bench/results/exec-all-STAMP.tsv; stderr/stdout tails of failing runs in exec-all-STAMP.errors.
#
# Full benchmark:   bash bench/exec-all.sh
# Quick check:      bash bench/exec-all.sh --hosts 20 --fanout 8 --runs 1 --mem-hosts 50
#
# How each tool is run (every one reads the fleet's ssh_config through -F, so every
# ssh client has KexAlgorithms curve25519-sha256 pinned, plus the same key, known_hosts
# and user; lwt reads the same file and its ssh2 client negotiates curve25519-sha256):
#   lwt             bin/lwt -q --home TMP exec-all -F CFG -H HOSTS -p F --connect-timeout S CMD
#   lwt-detach      the same with --detach: no watchdog on the host, so the command outlives a
#                   dead connection, as with every peer (not in the default tools: it shows
#                   what the watchdog costs the hosts)
#   pdsh            PDSH_SSH_ARGS_APPEND="-F CFG" pdsh -S -R ssh -f F -t S -w ^HOSTS CMD
#                   (pdsh keeps its default "-2 -a -x -l%u %h", -l dropped for the same user, and
#                   puts -oConnectTimeout=S from -t first; PDSH_SSH_ARGS would replace the defaults)
#   pssh            parallel-ssh -h HOSTS -p F -t 0 -x "-F CFG -o ConnectTimeout=S" CMD
#   clush           clush -S --nostdin -f F -t S --hostfile HOSTS -o "-F CFG -oConnectTimeout=S" CMD
#                   (clush adds -oConnectTimeout from its clush.conf, 15 s, unless -t is given)
#   parallel        parallel -j F --ssh "ssh -F CFG -o ConnectTimeout=S" --slf HOSTS --nonall CMD
#                   (the --sshlogin form: a sub-parallel per host, and the remote command is
#                   wrapped in a perl one-liner on the remote side)
#   parallel-plain  parallel -j F ssh -F CFG -o ConnectTimeout=S {} CMD :::: HOSTS
#                   (GNU parallel only as a scheduler of plain ssh processes)
#
# Checks: before its timed runs, each tool runs `echo ok` once per configuration (a warm-up,
# not timed into the medians) and must print ok for every host. Every timed `true` run is
# checked too, from the tool's own per-host report: lwt's summary, pssh's [SUCCESS] lines,
# pdsh/clush's per-host error lines (-S makes the exit status the worst remote one), and
# GNU parallel's --joblog. A tool with any host failing in any run is shown as
# FAILED k/H (k hosts failed in its worst run) instead of a time.
#
# CPU: user+sys from /usr/bin/time -f '%e %U %S %M', which counts the tool and every
# descendant it waited for (ssh children, sub-parallels); divided by hosts. The sshd side
# and the remote commands are not included (they are children of the fleet's sshd) but
# run on the same CPUs, so with few cores wall time tracks total CPU.
# Server CPU ms/conn: the fleet's sshd listeners run in a cpuacct cgroup of their own
# (bench/lib.sh), read before and after each run (after the sessions have closed: at most
# 10 s of waiting), / hosts: sshd, login shells, remote commands and anything they left.
#
# Stops its fleet at the end and on error or Ctrl-C; each tool run is started under
# timeout(1) in its own process group and killed with it.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
ORIG_ARGS=("$@")

HOSTS_LIST=200,500
FANOUT_LIST=32,128
RUNS=3
TOOLS=lwt,pdsh,pssh,clush,parallel,parallel-plain
ALL_TOOLS=" lwt lwt-detach pdsh pssh clush parallel parallel-plain "
SECTIONS=table,mem,faulty
MEM_HOSTS=1000
MEM_CMD='sleep 2'
MEM_CT=60
TABLE_CT=30
FAULTY_CT=5
FAULTY_FANOUT=32
FAULTY_GOOD=20
FAULTY_REFUSED=5
FAULTY_BLACKHOLE=5
RUN_TIMEOUT=300
PORT=2240
FLEET_DIR=/tmp/lwt-bench-fleet
RESULTS=$ROOT/bench/results


while [ $# -gt 0 ]; do
  case $1 in
    --hosts) need "$@"; HOSTS_LIST=$2; shift ;;
    --fanout) need "$@"; FANOUT_LIST=$2; shift ;;
    --runs) need "$@"; int "$1" "$2"; RUNS=$2; shift ;;
    --tools) need "$@"; TOOLS=$2; shift ;;
    --sections) need "$@"; SECTIONS=$2; shift ;;
    --mem-hosts) need "$@"; int "$1" "$2"; MEM_HOSTS=$2; shift ;;
    --mem-cmd) need "$@"; MEM_CMD=$2; shift ;;
    --mem-connect-timeout) need "$@"; int "$1" "$2"; MEM_CT=$2; shift ;;
    --connect-timeout) need "$@"; int "$1" "$2"; TABLE_CT=$2; shift ;;
    --faulty) case ",$SECTIONS," in *,faulty,*) ;; *) SECTIONS=$SECTIONS,faulty ;; esac ;;
    --faulty-timeout) need "$@"; int "$1" "$2"; FAULTY_CT=$2; shift ;;
    --faulty-fanout) need "$@"; int "$1" "$2"; FAULTY_FANOUT=$2; shift ;;
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
HOSTS_LIST=${HOSTS_LIST//,/ }
FANOUT_LIST=${FANOUT_LIST//,/ }
TOOLS=${TOOLS//,/ }
for n in $HOSTS_LIST; do int --hosts "$n"; [ "$n" -ge 1 ] || die "--hosts: counts must be >= 1"; done
for n in $FANOUT_LIST; do int --fanout "$n"; [ "$n" -ge 1 ] || die "--fanout: values must be >= 1"; done
for t in $TOOLS; do case $ALL_TOOLS in *" $t "*) ;; *) die "unknown tool: $t (known:$ALL_TOOLS)" ;; esac; done
for s in ${SECTIONS//,/ }; do case $s in table | mem | faulty) ;; *) die "unknown section: $s" ;; esac; done
has_section() { case ",$SECTIONS," in *,"$1",*) return 0 ;; esac; return 1; }
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
  local left
  left=$(ps -eo pid=,args= | grep -F -e "$FLEET_DIR" | grep -v -e grep -e exec-all.sh)
  if [ -n "$left" ]; then
    echo "bench: WARNING: processes still mention $FLEET_DIR:" >&2
    echo "$left" >&2
  fi
  exit "$rc"
}
bench_traps

for c in node ssh timeout /usr/bin/time ss awk; do command -v "$c" >/dev/null || die "needs $c"; done
declare -A TOOL_BIN=([lwt]=node [lwt-detach]=node [pdsh]=pdsh [pssh]=parallel-ssh [clush]=clush [parallel]=parallel [parallel-plain]=parallel)
for t in $TOOLS; do command -v "${TOOL_BIN[$t]}" >/dev/null || die "tool $t needs ${TOOL_BIN[$t]} on PATH (or leave it out with --tools)"; done

cd "$ROOT" || die "cannot cd to $ROOT"
if [ ! -f dist/src/cli/main.js ] || [ ! -f "$FLEET_CLI" ]; then
  echo "bench: dist/ missing, building" >&2
  npm run build --silent || die "build failed"
fi

# Peers start one ssh (several fds) per host in flight.
hard=$(ulimit -Hn)
want=65536
[ "$hard" != unlimited ] && [ "$hard" -lt "$want" ] && want=$hard
ulimit -n "$want" 2>/dev/null || echo "bench: could not raise ulimit -n to $want" >&2

mkdir -p "$RESULTS" || die "cannot create $RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
STAMP=$(date +%Y%m%d-%H%M%S)
RAW=$RESULTS/exec-all-$STAMP.tsv
REPORT=$RESULTS/exec-all-$STAMP.txt
ERRLOG=$RESULTS/exec-all-$STAMP.errors
WORK=$(mktemp -d "$FLEET_DIR.work.XXXXXX") || die "mktemp failed"
LWT_HOME_DIR=$WORK/lwt-home
mkdir -p "$LWT_HOME_DIR"
cd "$WORK" || die "cannot cd to $WORK"   # nothing below writes into the repo by accident
printf 'section\thosts\tfanout\ttool\trun\tkind\twall_s\tuser_s\tsys_s\tmaxrss_kb\trc\tok_hosts\texpected_ok\tpeak_conns\tserver_ms\n' >"$RAW"
: >"$REPORT"


# ---------------------------------------------------------------- fleet

fleet_up() { # fleet_up GOOD [REFUSED BLACKHOLE]
  local out
  FLEET_UP=1
  if ! out=$(node "$FLEET_CLI" up "$1" --refused "${2:-0}" --blackhole "${3:-0}" --port "$PORT" --dir "$FLEET_DIR" 2>&1); then
    echo "$out" >&2
    die "fleet up $* failed"
  fi
  note "$(echo "$out" | head -n 1)"
  [ -s "$CFG" ] || die "fleet wrote no $CFG"
  grep -q 'KexAlgorithms curve25519-sha256' "$CFG" || die "$CFG does not pin KexAlgorithms curve25519-sha256"
  server_cpu_attach "$FLEET_DIR"
}

# ---------------------------------------------------------------- one tool run

# build_cmd TOOL HOSTSFILE FANOUT CONNECT_TIMEOUT KIND(verify|time) REMOTE_CMD JOBLOG -> CMD array
build_cmd() {
  local tool=$1 hf=$2 f=$3 ct=$4 kind=$5 rcmd=$6 jl=$7
  case $tool in
    lwt) CMD=("$LWT" -q --home "$LWT_HOME_DIR" exec-all -F "$CFG" -H "$hf" -p "$f" --connect-timeout "$ct" "$rcmd") ;;
    lwt-detach) CMD=("$LWT" -q --home "$LWT_HOME_DIR" exec-all --detach -F "$CFG" -H "$hf" -p "$f" --connect-timeout "$ct" "$rcmd") ;;
    pdsh) CMD=(env PDSH_RCMD_TYPE=ssh PDSH_SSH_ARGS_APPEND="-F $CFG" pdsh -S -R ssh -f "$f" -t "$ct" -w "^$hf" "$rcmd") ;;
    pssh)
      CMD=(parallel-ssh -h "$hf" -p "$f" -t 0 -x "-F $CFG -o ConnectTimeout=$ct")
      [ "$kind" = verify ] && CMD+=(-P)
      CMD+=("$rcmd") ;;
    clush) CMD=(clush -S --nostdin -f "$f" -t "$ct" --hostfile "$hf" -o "-F $CFG -oConnectTimeout=$ct" "$rcmd") ;;
    parallel)
      CMD=(parallel --joblog "$jl" -j "$f" --ssh "ssh -F $CFG -o ConnectTimeout=$ct" --slf "$hf" --nonall)
      [ "$kind" = verify ] && CMD+=(--tag)
      CMD+=("$rcmd") ;;
    parallel-plain)
      CMD=(parallel --joblog "$jl" -j "$f")
      [ "$kind" = verify ] && CMD+=(--tag)
      CMD+=(ssh -F "$CFG" -o ConnectTimeout="$ct" '{}' "$rcmd" :::: "$hf") ;;
  esac
}

# count_ok TOOL KIND HOSTSFILE OUT ERR JOBLOG RC -> hosts that succeeded, on stdout
count_ok() {
  local tool=$1 kind=$2 hf=$3 out=$4 err=$5 jl=$6 rc=$7 total failed
  total=$(grep -c . "$hf")
  if [ "$kind" = verify ]; then
    # "host: ok" (lwt, pdsh, clush, pssh -P) or "host<TAB>ok" (parallel --tag), hosts of the list only
    awk 'NR == FNR { want[$1] = 1; next }
         /^[^ \t:]+(: |\t)ok$/ { h = $0; sub(/(: |\t)ok$/, "", h); if (h in want) seen[h] = 1 }
         END { n = 0; for (h in seen) n++; print n }' "$hf" "$out"
    return
  fi
  case $tool in
    lwt | lwt-detach) # summary on stderr: "30 hosts in 5.04s: 20 ok, 5 unreachable (refused), ..."; none under -q when all were ok (status 0)
      awk -v rc="$rc" -v total="$total" '/ hosts in [0-9.]+m?s: / { n = 0; if (match($0, /[0-9]+ ok/)) n = substr($0, RSTART, RLENGTH) + 0; found = 1 }
           END { print found ? n : (rc == 0 ? total : 0) }' "$err" ;;
    pssh)
      awk 'NR == FNR { want[$1] = 1; next }
           / \[SUCCESS\] / { h = $NF; if (h in want) seen[h] = 1 }
           END { n = 0; for (h in seen) n++; print n }' "$hf" "$out" ;;
    pdsh | clush) # per-host lines "pdsh@node: HOST: ..." / "clush: HOST: ..."
      failed=$(awk -v tool="$tool" 'NR == FNR { want[$1] = 1; next }
           { h = ""
             if (tool == "pdsh" && match($0, /^pdsh@[^:]*: [^: ]+: /)) { h = $2; sub(/:$/, "", h) }
             if (tool == "clush" && match($0, /^clush: [^: ]+: /)) { h = $2; sub(/:$/, "", h) }
             if (h in want) bad[h] = 1 }
           END { n = 0; for (h in bad) n++; print n }' "$hf" "$err")
      if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then echo 0; else echo $((total - failed)); fi ;;
    parallel | parallel-plain) # joblog: Exitval column 7, Signal column 8
      awk -F'\t' 'NR > 1 && $7 == 0 && $8 == 0 { n++ } END { print n + 0 }' "$jl" ;;
  esac
}

# run_tool SECTION TOOL HOSTSFILE FANOUT CT KIND REMOTE_CMD RUN EXPECTED [SAMPLE]
# Appends one row to $RAW; sets R_WALL R_OK R_RC.
run_tool() {
  local section=$1 tool=$2 hf=$3 f=$4 ct=$5 kind=$6 rcmd=$7 run=$8 expected=$9 sample=${10:-0}
  local hosts out err jl tf s e rc wall usr sys rss ok peak=- srv0 srv
  hosts=$(grep -c . "$hf")
  out=$WORK/out err=$WORK/err jl=$WORK/joblog tf=$WORK/time
  rm -f "$out" "$err" "$jl" "$tf"
  build_cmd "$tool" "$hf" "$f" "$ct" "$kind" "$rcmd" "$jl"
  if [ "$sample" = 1 ]; then
    # Peak number of open client connections to the fleet port, sampled every 0.1 s.
    ( peak=0; while :; do
        n=$(ss -Htn state established "( dport = :$PORT )" 2>/dev/null | wc -l)
        [ "$n" -gt "$peak" ] && { peak=$n; echo "$peak" >"$WORK/peak"; }
        sleep 0.1
      done ) &
    SAMPLER=$!
    echo 0 >"$WORK/peak"
  fi
  srv0=$(server_cpu_ms "$FLEET_DIR")
  s=$(date +%s%N)
  # cwd = the temp home, so no .lwtrc / package.json of the repo is picked up by lwt.
  ( cd "$LWT_HOME_DIR" && exec timeout -k 10 "$RUN_TIMEOUT" /usr/bin/time -o "$tf" -f '%e %U %S %M' "${CMD[@]}" ) \
    </dev/null >"$out" 2>"$err" &
  CHILD=$!
  wait "$CHILD"
  rc=$?
  reap_timed_out "$rc" "$CHILD"
  CHILD=
  e=$(date +%s%N)
  srv=$(server_cpu_ms "$FLEET_DIR")
  srv=$(awk -v a="$srv0" -v b="$srv" 'BEGIN { if (a == "NA" || b == "NA") print "NA"; else printf "%.1f", b - a }')
  if [ "$sample" = 1 ]; then kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null; SAMPLER=; peak=$(cat "$WORK/peak"); fi
  wall=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", (e - s) / 1e9 }')
  # time(1) prints "Command exited with non-zero status N" first when rc != 0: take the last line.
  read -r _ usr sys rss < <(tail -n 1 "$tf" 2>/dev/null) || true
  [[ ${usr:-} =~ ^[0-9.]+$ ]] || { usr=NA; sys=NA; rss=NA; }
  ok=$(count_ok "$tool" "$kind" "$hf" "$out" "$err" "$jl" "$rc")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$section" "$hosts" "$f" "$tool" "$run" "$kind" "$wall" "$usr" "$sys" "$rss" "$rc" "$ok" "$expected" "$peak" "$srv" >>"$RAW"
  if [ "$ok" != "$expected" ] || { [ "$rc" -ne 0 ] && [ "$expected" = "$hosts" ]; } || [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    {
      echo "=== $section hosts=$hosts fanout=$f tool=$tool run=$run kind=$kind rc=$rc ok=$ok expected=$expected"
      printf '%q ' "${CMD[@]}"; echo
      echo "--- stderr (last 20 lines)"; tail -n 20 "$err"
      echo "--- stdout (last 5 lines)"; tail -n 5 "$out"
    } >>"$ERRLOG"
  fi
  note "$(printf '%-7s H=%-5s F=%-5s %-15s %-7s rc=%-3s ok=%s/%s wall=%ss cpu=%s+%ss server=%sms rss=%sKB%s' \
    "$section" "$hosts" "$f" "$tool" "$kind${run:+#$run}" "$rc" "$ok" "$expected" "$wall" "$usr" "$sys" "$srv" "$rss" \
    "$([ "$peak" != - ] && echo " peak_conns=$peak")")"
  R_WALL=$wall R_OK=$ok R_RC=$rc
}

# ---------------------------------------------------------------- summarising

# summarize SECTION HOSTS FANOUT TOOL -> "median_wall median_cpu_ms_per_host worst_failed status_word max_rss_kb median_peak median_server_ms_per_host"
# status_word: ok | FAILED k/H | TIMEOUT
summarize() {
  awk -F'\t' -v sec="$1" -v h="$2" -v f="$3" -v tool="$4" '
    function median(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    NR > 1 && $1 == sec && $2 == h && $3 == f && $4 == tool {
      bad = $13 - $12; if (bad < 0) bad = -bad
      if (bad > worst) worst = bad
      if ($11 == 124 || $11 == 137) timedout = 1
      if ($13 == $2 && $11 != 0) rcbad = 1
      if ($6 != "time") next
      n++; w[n] = $7
      if ($8 != "NA") { c++; cpu[c] = ($8 + $9) * 1000 / $2; if ($10 > rss) rss = $10 }
      if ($14 != "-") { p++; pk[p] = $14 }
      if ($15 != "NA" && $15 != "") { v++; srv[v] = $15 / $2 }
    }
    END {
      if (n == 0) { print "NA NA 0 none 0 - NA"; exit }
      st = timedout ? "TIMEOUT" : (worst > 0 ? "FAILED" : (rcbad ? "FAILED-rc" : "ok"))
      printf "%.3f %s %d %s %d %s %s\n", median(w, n), c ? sprintf("%.1f", median(cpu, c)) : "NA", worst, st, rss, p ? median(pk, p) : "-", v ? sprintf("%.1f", median(srv, v)) : "NA"
    }' "$RAW"
}

# ---------------------------------------------------------------- report header

say "# lwt exec-all vs pdsh / pssh / clush / GNU parallel, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
args_q=$(printf ' %q' "${ORIG_ARGS[@]}")
say "command: bash bench/exec-all.sh${ORIG_ARGS[*]:+$args_q}"
say "machine: nproc $(nproc), $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg) at start, ulimit -n $(ulimit -n)"
say "ssh:     $(ssh -V 2>&1)"
say "node:    $(node --version); lwt $("$LWT" --version 2>/dev/null) (commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo ?))"
say "peers:   $(pdsh -V 2>&1 | head -n 1), parallel-ssh $(parallel-ssh --version 2>&1), $(clush --version 2>&1), $(parallel --version 2>/dev/null | head -n 1)"
say "client:  every tool uses the fleet's ssh_config via -F, which pins KexAlgorithms curve25519-sha256 on the"
say "         client side (OpenSSH 9.2's default post-quantum kex would add tens of ms of client CPU per host);"
say "         lwt reads the same file and its ssh2 client uses curve25519-sha256 as well."
say "fleet:   real sshd listeners on 127.0.x.y port $PORT, folder $FLEET_DIR"
say "CPU:     client CPU ms/host = user+sys of the tool and all descendants it waited for (/usr/bin/time %U+%S), / hosts;"
say "         sshd and remote commands are not counted in it but share the same CPUs."
say "server:  server ms/conn = CPU of everything the fleet's sshd listeners started during the run (per-connection"
say "         sshd, login shells, remote commands, leftovers), from a cpuacct cgroup holding the fleet, / hosts."
say "status:  ok = every host succeeded in every run (warm-up echo ok + timed runs); FAILED k/H = k of H hosts failed"
say "         in the worst run (no time shown); TIMEOUT = a run hit timeout $RUN_TIMEOUT s."
say "raw:     $RAW (per run); output of failing runs, if any, in $ERRLOG"
say ""

# ---------------------------------------------------------------- section 1: table

if has_section table && [ -n "$HOSTS_LIST" ] && [ -n "$FANOUT_LIST" ]; then
  max=0
  for n in $HOSTS_LIST; do [ "$n" -gt "$max" ] && max=$n; done
  fleet_up "$max"
  say "## 1. \`true\` on every host, median of $RUNS run(s) (connect timeout $TABLE_CT s for every tool)"
  say "$(printf '%6s %7s  %-15s %14s %9s %14s %16s  %s' hosts fanout tool 'median wall s' 'ratio/lwt' 'CPU ms/host' 'server ms/conn' status)"
  for h in $HOSTS_LIST; do
    hf=$WORK/hosts-$h
    head -n "$h" "$FLEET_DIR/hosts" >"$hf"
    for f in $FANOUT_LIST; do
      for t in $TOOLS; do run_tool table "$t" "$hf" "$f" "$TABLE_CT" verify 'echo ok' '' "$h"; done
      for r in $(seq "$RUNS"); do
        for t in $TOOLS; do run_tool table "$t" "$hf" "$f" "$TABLE_CT" time true "$r" "$h"; done
      done
      lwt_wall=
      case " $TOOLS " in *" lwt "*)
        read -r w _ _ st _ _ < <(summarize table "$h" "$f" lwt)
        [ "$st" = ok ] && lwt_wall=$w ;;
      esac
      for t in $TOOLS; do
        read -r w cpu worst st _ _ srv < <(summarize table "$h" "$f" "$t")
        case $st in
          ok) shown=$w
              ratio=-; [ -n "$lwt_wall" ] && ratio=$(awk -v a="$w" -v b="$lwt_wall" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }') ;;
          FAILED) shown="FAILED $worst/$h" ratio=- ;;
          FAILED-rc) shown="FAILED rc!=0" ratio=- ;;
          *) shown=$st ratio=- ;;
        esac
        say "$(printf '%6s %7s  %-15s %14s %9s %14s %16s  %s' "$h" "$f" "$t" "$shown" "$ratio" "$cpu" "$srv" "$st")"
      done
    done
  done
  say ""
fi

# ---------------------------------------------------------------- section 2: memory

if has_section mem && [ "$MEM_HOSTS" -gt 0 ]; then
  fleet_up "$MEM_HOSTS"
  hf=$FLEET_DIR/hosts
  say "## 2. lwt peak memory, all connections open at once: \`$MEM_CMD\` at -p $MEM_HOSTS, $RUNS run(s) (connect timeout $MEM_CT s)"
  for r in $(seq "$RUNS"); do run_tool mem lwt "$hf" "$MEM_HOSTS" "$MEM_CT" time "$MEM_CMD" "$r" "$MEM_HOSTS" 1; done
  read -r w _ worst st rss peak _ < <(summarize mem "$MEM_HOSTS" "$MEM_HOSTS" lwt)
  say "$(printf '%6s %7s  %14s %12s %18s  %s' hosts fanout 'median wall s' 'max RSS MB' 'peak open conns' status)"
  case $st in FAILED) st="FAILED $worst/$MEM_HOSTS" ;; esac
  [ "$peak" != - ] && [ "${peak%.*}" -lt "$MEM_HOSTS" ] && st="$st (only $peak of $MEM_HOSTS open at once: try a longer --mem-cmd)"
  say "$(printf '%6s %7s  %14s %12s %18s  %s' "$MEM_HOSTS" "$MEM_HOSTS" "$w" "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')" "$peak" "$st")"
  say "(max RSS = largest /usr/bin/time %M over the runs; peak open conns = most established client sockets to port $PORT seen by ss, sampled every 0.1 s)"
  say ""
fi

# ---------------------------------------------------------------- section 3: faulty hosts

if has_section faulty; then
  fleet_up "$FAULTY_GOOD" "$FAULTY_REFUSED" "$FAULTY_BLACKHOLE"
  hf=$FLEET_DIR/hosts-all
  total=$(grep -c . "$hf")
  say "## 3. faulty list: $FAULTY_GOOD good + $FAULTY_REFUSED refused + $FAULTY_BLACKHOLE blackhole (no banner), connect timeout $FAULTY_CT s, fanout $FAULTY_FANOUT, median of $RUNS run(s)"
  say "$(printf '%6s %7s  %-15s %14s %9s %14s  %s' hosts fanout tool 'median wall s' 'ratio/lwt' 'CPU ms/host' 'hosts ok')"
  for t in $TOOLS; do run_tool faulty "$t" "$hf" "$FAULTY_FANOUT" "$FAULTY_CT" verify 'echo ok' '' "$FAULTY_GOOD"; done
  for r in $(seq "$RUNS"); do
    for t in $TOOLS; do run_tool faulty "$t" "$hf" "$FAULTY_FANOUT" "$FAULTY_CT" time true "$r" "$FAULTY_GOOD"; done
  done
  lwt_wall=
  case " $TOOLS " in *" lwt "*)
    read -r w _ _ st _ _ < <(summarize faulty "$total" "$FAULTY_FANOUT" lwt)
    [ "$st" = ok ] && lwt_wall=$w ;;
  esac
  for t in $TOOLS; do
    read -r w cpu worst st _ _ < <(summarize faulty "$total" "$FAULTY_FANOUT" "$t")
    case $st in
      ok) shown=$w okcol="$FAULTY_GOOD/$total as expected"
          ratio=-; [ -n "$lwt_wall" ] && ratio=$(awk -v a="$w" -v b="$lwt_wall" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }') ;;
      FAILED) shown="FAILED" ratio=- okcol="off by $worst from the expected $FAULTY_GOOD/$total" ;;
      *) shown=$st ratio=- okcol=- ;;
    esac
    say "$(printf '%6s %7s  %-15s %14s %9s %14s  %s' "$total" "$FAULTY_FANOUT" "$t" "$shown" "$ratio" "$cpu" "$okcol")"
  done
  say ""
fi

# ---------------------------------------------------------------- done

node "$FLEET_CLI" down --dir "$FLEET_DIR" >/dev/null 2>&1 && FLEET_UP=0
sleep 0.5
server_cpu_detach
left=$(ps -eo pid=,args= | grep -F -e "$FLEET_DIR" | grep -v -e grep -e exec-all.sh)
if [ -z "$left" ]; then
  say "cleanup: fleet stopped, no process mentions $FLEET_DIR"
else
  say "cleanup: WARNING, still running:"
  say "$left"
fi
say "report: $REPORT"
