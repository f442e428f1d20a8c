#!/usr/bin/env bash
# `lwt put-all` side by side with parallel-scp (pscp), parallel-rsync (prsync), clush -c, and
# GNU parallel running scp or rsync, against a local fleet whose hosts each have their own
# filesystem (one sshd per host in its own mount namespace, a private tmpfs at /srv/lwt-bench:
# every tool writes the same DEST path, and every host really receives its own copy).
#
# Sections (medians of R timed runs per tool, ratio to lwt):
#   tree    a 20 MB tree of 1000 files (10 folders) copied to every host, DEST empty each run
#   big     one 50 MB file to every host, DEST empty each run
#   update  the tree already on every host, 1% of its files (10) changed locally:
#           lwt put-all --changed against prsync (and GNU parallel + rsync)
#
# Usage: bash bench/put-all.sh [options]
#   --hosts N        hosts                                    (default 50)
#   --runs R         timed runs per tool and section          (default 3)
#   --fanout F       hosts at once, for every tool            (default 32)
#   --tools LIST     lwt,pscp,prsync,clush,parallel-scp,parallel-rsync (default: all)
#   --sections LIST  tree,big,update                          (default: all)
#   --port P         fleet port                               (default 2250)
#   --dir DIR        fleet folder                             (default /tmp/lwt-putbench)
#   --results DIR    where the report goes                    (default bench/results)
#   -h, --help
#
# Quick check:  bash bench/put-all.sh --hosts 10 --runs 1
#
# How each tool runs (all read the fleet's ssh_config, which pins KexAlgorithms curve25519-sha256
# and holds the key, known_hosts and user; ciphers are each tool's default: OpenSSH picks
# chacha20-poly1305, lwt's ssh2 aes128-gcm with AES-NI):
#   lwt             bin/lwt -q put-all -F CFG -H HOSTS -p F SRC DEST          [--changed]
#   pscp            parallel-scp -h HOSTS -p F -t 0 -r -x "-F CFG -p" SRC DEST   (pscp always adds scp -qC)
#   prsync          parallel-rsync -h HOSTS -p F -t 0 -a -S "-F CFG" SRC DEST/
#   clush           clush -f F --hostfile HOSTS -o "-F CFG" -c -p SRC --dest DEST
#   parallel-scp    parallel -j F scp -F CFG -rp SRC {}:DEST :::: HOSTS
#   parallel-rsync  parallel -q -j F rsync -a -e "ssh -F CFG" SRC {}:DEST/ :::: HOSTS
# SRC is the folder `tree` (no trailing slash) or the file `big.bin`; DEST is /srv/lwt-bench/dest,
# created empty on every host before each run, so every tool ends with DEST/tree or DEST/big.bin.
#
# Checks: every run is verified on every host through /proc/<host sshd>/root (the host's own
# mount namespace): the file names and sizes, and after the warm-up run (not timed) the content
# of every file. A tool with a host missing anything is shown FAILED k/H instead of a time.
# Update runs also check the mtimes (whole seconds). CPU: user+sys of the tool and its children.
# Server CPU: the fleet's, from a cgroup holding every sshd (bench/lib.sh), what the run cost it.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
ORIG_ARGS=("$@")
HOSTS=50 RUNS=3 FANOUT=32
TOOLS=lwt,pscp,prsync,clush,parallel-scp,parallel-rsync
ALL_TOOLS=" lwt pscp prsync clush parallel-scp parallel-rsync "
SECTIONS=tree,big,update
PORT=2250 FLEET_DIR=/tmp/lwt-putbench RESULTS=$ROOT/bench/results
PRIVATE=/srv/lwt-bench
RUN_TIMEOUT=900

while [ $# -gt 0 ]; do
  case $1 in
    --hosts) need "$@"; int "$1" "$2"; HOSTS=$2; shift ;;
    --runs) need "$@"; int "$1" "$2"; RUNS=$2; shift ;;
    --fanout) need "$@"; int "$1" "$2"; FANOUT=$2; shift ;;
    --tools) need "$@"; TOOLS=$2; shift ;;
    --sections) need "$@"; SECTIONS=$2; shift ;;
    --port) need "$@"; int "$1" "$2"; PORT=$2; shift ;;
    --dir) need "$@"; FLEET_DIR=$2; shift ;;
    --results) need "$@"; RESULTS=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
  shift
done
[ "$HOSTS" -ge 1 ] && [ "$RUNS" -ge 1 ] && [ "$FANOUT" -ge 1 ] || die "--hosts, --runs and --fanout must be at least 1"
TOOLS=${TOOLS//,/ }
for t in $TOOLS; do case $ALL_TOOLS in *" $t "*) ;; *) die "unknown tool: $t (known:$ALL_TOOLS)" ;; esac; done
for s in ${SECTIONS//,/ }; do case $s in tree | big | update) ;; *) die "unknown section: $s" ;; esac; done
has_section() { case ",$SECTIONS," in *,"$1",*) return 0 ;; esac; return 1; }
[ "$(id -u)" = 0 ] || die "needs root (the fleet's private filesystems are mount namespaces)"

# ---------------------------------------------------------------- set-up, clean-up

FLEET_CLI=$ROOT/dist/test/fleet/cli.js
LWT=$ROOT/bin/lwt
CFG=$FLEET_DIR/ssh_config
FLEET_UP=0 CHILD= WORK=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  stop_run
  exit "$rc"
}
bench_traps

command -v rsync >/dev/null || { echo "bench: installing rsync (prsync needs it on both ends)" >&2; apt-get install -y rsync >/dev/null 2>&1 || die "rsync missing and apt-get install failed"; }
for c in node ssh scp rsync timeout /usr/bin/time awk md5sum; do command -v "$c" >/dev/null || die "needs $c"; done
declare -A TOOL_BIN=([lwt]=node [pscp]=parallel-scp [prsync]=parallel-rsync [clush]=clush [parallel-scp]=parallel [parallel-rsync]=parallel)
for t in $TOOLS; do command -v "${TOOL_BIN[$t]}" >/dev/null || die "tool $t needs ${TOOL_BIN[$t]} (or leave it out with --tools)"; done
cd "$ROOT" || die "cannot cd to $ROOT"
if [ ! -f dist/src/cli/main.js ] || [ ! -f "$FLEET_CLI" ]; then npm run build --silent || die "build failed"; fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

mkdir -p "$RESULTS" && RESULTS=$(cd "$RESULTS" && pwd) || die "cannot create $RESULTS"
STAMP=$(date +%Y%m%d-%H%M%S)
RAW=$RESULTS/put-all-$STAMP.tsv REPORT=$RESULTS/put-all-$STAMP.txt ERRLOG=$RESULTS/put-all-$STAMP.errors
WORK=$(mktemp -d /tmp/lwt-putbench-work.XXXXXX) || die "mktemp failed"
LWT_HOME_DIR=$WORK/home
mkdir -p "$LWT_HOME_DIR"
printf 'section\ttool\trun\tkind\twall_s\tuser_s\tsys_s\trc\tok_hosts\thosts\tserver_ms\n' >"$RAW"
: >"$REPORT"

# ---------------------------------------------------------------- payload

SRC=$WORK/src
mkdir -p "$SRC/tree"
note "making the payload: 1000 files / 20 MB in 10 folders, one 50 MB file"
node -e '
  const fs = require("fs"), crypto = require("crypto"), path = require("path");
  const root = process.argv[1];
  let total = 0;
  for (let d = 0; d < 10; d++) {
    const dir = path.join(root, "tree", `dir${d}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 100; i++) {
      const size = 1024 + ((d * 100 + i) * 7919) % (40 * 1024 - 2048); // 1..39 KiB, mean ~20 KiB
      fs.writeFileSync(path.join(dir, `file${String(i).padStart(3, "0")}.dat`), crypto.randomBytes(size));
      total += size;
    }
  }
  fs.writeFileSync(path.join(root, "big.bin"), crypto.randomBytes(50 * 1024 * 1024));
  process.stderr.write(`bench: tree ${total} bytes\n`);
' "$SRC"

# ---------------------------------------------------------------- fleet

note "starting $HOSTS hosts with private filesystems at $PRIVATE"
FLEET_UP=1
out=$(node "$FLEET_CLI" up "$HOSTS" --dir "$FLEET_DIR" --port "$PORT" --private-root "$PRIVATE" 2>&1) || { echo "$out" >&2; die "fleet up failed"; }
note "$(echo "$out" | head -n 1)"
server_cpu_attach "$FLEET_DIR"
grep -q 'KexAlgorithms curve25519-sha256' "$CFG" || die "$CFG does not pin curve25519"
HF=$FLEET_DIR/hosts
# address -> the host's root as this machine sees it (through its sshd's mount namespace)
declare -A HROOT
while read -r addr pidfile; do HROOT[$addr]=/proc/$(cat "$pidfile")/root$PRIVATE; done < <(
  node -e 'const f = require(process.argv[1]); for (const d of f.daemons) for (const a of d.addresses) console.log(a, d.pidFile)' "$FLEET_DIR/fleet.json")
[ "${#HROOT[@]}" -eq "$HOSTS" ] || die "expected $HOSTS host roots, got ${#HROOT[@]}"

DEST=$PRIVATE/dest
reset_dest() { for a in "${!HROOT[@]}"; do rm -rf "${HROOT[$a]}/dest"; mkdir -p "${HROOT[$a]}/dest"; done; }

# ---------------------------------------------------------------- verification

# listing KIND DIR NAME: what must be there. names = names and sizes; content = plus every file's bytes;
# mtimes = names, sizes and whole-second mtimes.
listing() {
  ( cd "$2" && case $1 in
      names) find "$3" -type f -printf '%p %s\n' | sort ;;
      mtimes) find "$3" -type f -printf '%p %s %T@\n' | sed 's/\.[0-9]*$//' | sort ;;
      content) find "$3" -type f -printf '%p %s\n' | sort; find "$3" -type f -print0 | sort -z | xargs -0 cat | md5sum ;;
    esac ) 2>/dev/null | md5sum | cut -c1-32
}
# verify KIND NAME -> number of hosts whose DEST/NAME matches the source
verify() {
  local want n=0 a
  want=$(listing "$1" "$SRC" "$2")
  for a in "${!HROOT[@]}"; do [ "$(listing "$1" "${HROOT[$a]}/dest" "$2")" = "$want" ] && n=$((n + 1)); done
  echo "$n"
}

# ---------------------------------------------------------------- one tool run

build_cmd() { # TOOL SRCPATH MODE(copy|update)
  local tool=$1 src=$2 mode=$3
  case $tool in
    lwt) CMD=("$LWT" -q --home "$LWT_HOME_DIR" put-all -F "$CFG" -H "$HF" -p "$FANOUT")
         [ "$mode" = update ] && CMD+=(--changed)
         CMD+=("$src" "$DEST") ;;
    pscp) CMD=(parallel-scp -h "$HF" -p "$FANOUT" -t 0 -r -x "-F $CFG -p" "$src" "$DEST") ;;
    prsync) CMD=(parallel-rsync -h "$HF" -p "$FANOUT" -t 0 -a -S "-F $CFG" "$src" "$DEST/") ;;
    clush) CMD=(clush -f "$FANOUT" --hostfile "$HF" -o "-F $CFG" -c -p "$src" --dest "$DEST") ;;
    parallel-scp) CMD=(parallel -j "$FANOUT" scp -F "$CFG" -rp "$src" "{}:$DEST" :::: "$HF") ;;
    # -q: GNU parallel would otherwise hand the line to a shell and split "ssh -F CFG".
    parallel-rsync) CMD=(parallel -q -j "$FANOUT" rsync -a -e "ssh -F $CFG" "$src" "{}:$DEST/" :::: "$HF") ;;
  esac
}

# run_tool SECTION TOOL RUN KIND(verify|time) SRCPATH NAME MODE CHECK -> row in RAW
run_tool() {
  local section=$1 tool=$2 run=$3 kind=$4 src=$5 name=$6 mode=$7 check=$8 s e rc wall usr sys ok srv0 srv
  build_cmd "$tool" "$src" "$mode"
  srv0=$(server_cpu_ms "$FLEET_DIR")
  s=$(date +%s%N)
  ( cd "$LWT_HOME_DIR" && exec timeout -k 10 "$RUN_TIMEOUT" /usr/bin/time -o "$WORK/time" -f '%e %U %S' "${CMD[@]}" ) \
    </dev/null >"$WORK/out" 2>"$WORK/err" &
  CHILD=$!
  wait "$CHILD"; rc=$?; reap_timed_out "$rc" "$CHILD"; CHILD=
  e=$(date +%s%N)
  srv=$(server_cpu_ms "$FLEET_DIR")
  srv=$(awk -v a="$srv0" -v b="$srv" 'BEGIN { if (a == "NA" || b == "NA") print "NA"; else printf "%.0f", b - a }')
  wall=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", (e - s) / 1e9 }')
  read -r _ usr sys < <(tail -n 1 "$WORK/time" 2>/dev/null) || true
  [[ ${usr:-} =~ ^[0-9.]+$ ]] || { usr=NA; sys=NA; }
  ok=$(verify "$check" "$name")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$section" "$tool" "$run" "$kind" "$wall" "$usr" "$sys" "$rc" "$ok" "$HOSTS" "$srv" >>"$RAW"
  if [ "$ok" != "$HOSTS" ] || [ "$rc" -ne 0 ]; then
    { echo "=== $section $tool run=$run kind=$kind rc=$rc ok=$ok/$HOSTS"; printf '%q ' "${CMD[@]}"; echo
      echo "--- stderr (last 15 lines)"; tail -n 15 "$WORK/err"; echo "--- stdout (last 5 lines)"; tail -n 5 "$WORK/out"; } >>"$ERRLOG"
  fi
  note "$(printf '%-7s %-15s %-7s rc=%-3s ok=%s/%s wall=%ss cpu=%s+%ss server=%sms' "$section" "$tool" "$kind${run:+#$run}" "$rc" "$ok" "$HOSTS" "$wall" "$usr" "$sys" "$srv")"
}

# ---------------------------------------------------------------- update helpers

# Bring every host to the current source (untimed, with lwt), then change 10 files locally:
# 1 in 100, new content one line longer, new mtime.
CHANGE_ROUND=0
prepare_update() {
  "$LWT" -q --home "$LWT_HOME_DIR" put-all -F "$CFG" -H "$HF" -p "$FANOUT" --changed --delete "$SRC/tree" "$DEST" >/dev/null 2>>"$WORK/prep.err" \
    || note "preparing the update: lwt put-all --changed failed (see $WORK/prep.err)"
  CHANGE_ROUND=$((CHANGE_ROUND + 1))
  node -e '
    const fs = require("fs"), crypto = require("crypto"), path = require("path");
    const [root, round] = [process.argv[1], Number(process.argv[2])];
    const t = Math.floor(Date.now() / 1000) + round * 10;
    for (let d = 0; d < 10; d++) {
      const f = path.join(root, "tree", `dir${d}`, `file${String((round * 7 + d * 13) % 100).padStart(3, "0")}.dat`);
      fs.appendFileSync(f, crypto.randomBytes(64));
      fs.utimesSync(f, t, t);
    }
  ' "$SRC" "$CHANGE_ROUND"
}

# ---------------------------------------------------------------- summary

# summarize SECTION TOOL -> "median_wall median_cpu_s status median_server_s"
summarize() {
  awk -F'\t' -v sec="$1" -v tool="$2" -v hosts="$HOSTS" '
    function median(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    NR > 1 && $1 == sec && $2 == tool {
      if ($9 != hosts) { bad = hosts - $9 > bad ? hosts - $9 : bad; failed = 1 }
      if ($8 == 124 || $8 == 137) timedout = 1
      if ($4 != "time") next
      n++; w[n] = $5
      if ($6 != "NA") { c++; cpu[c] = $6 + $7 }
      if ($11 != "NA" && $11 != "") { v++; srv[v] = $11 / 1000 }
    }
    END {
      if (n == 0) { print "NA NA none NA"; exit }
      st = timedout ? "TIMEOUT" : (failed ? "FAILED_" bad : "ok")
      printf "%.3f %s %s %s\n", median(w, n), c ? sprintf("%.2f", median(cpu, c)) : "NA", st, v ? sprintf("%.2f", median(srv, v)) : "NA"
    }' "$RAW"
}

table() { # SECTION TOOLS...
  local section=$1 lwt_wall= w cpu st srv shown ratio t
  shift
  read -r w _ st _ < <(summarize "$section" lwt)
  [ "$st" = ok ] && lwt_wall=$w
  say "$(printf '  %-15s %14s %8s %12s %12s  %s' tool 'median wall s' 'x lwt' 'CPU s' 'server CPU s' status)"
  for t in "$@"; do
    read -r w cpu st srv < <(summarize "$section" "$t")
    case $st in
      ok) shown=$w; ratio=-; [ -n "$lwt_wall" ] && ratio=$(awk -v a="$w" -v b="$lwt_wall" 'BEGIN { printf "%.2f", a / b }') ;;
      FAILED_*) shown="FAILED ${st#FAILED_}/$HOSTS"; ratio=- ;;
      *) shown=$st; ratio=- ;;
    esac
    say "$(printf '  %-15s %14s %8s %12s %12s  %s' "$t" "$shown" "$ratio" "$cpu" "$srv" "${st%%_*}")"
  done
}

# ---------------------------------------------------------------- report

say "# lwt put-all vs pscp / prsync / clush -c / GNU parallel (scp, rsync), $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
say "command: bash bench/put-all.sh${ORIG_ARGS[*]:+ $(printf '%q ' "${ORIG_ARGS[@]}")}"
say "machine: nproc $(nproc), $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
say "ssh:     $(ssh -V 2>&1); rsync $(rsync --version | head -n 1 | awk '{print $3}')"
say "node:    $(node --version); lwt $("$LWT" --version 2>/dev/null) (commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo ?))"
say "peers:   parallel-scp/rsync $(parallel-ssh --version 2>&1), $(clush --version 2>&1), $(parallel --version 2>/dev/null | head -n 1)"
say "fleet:   $HOSTS hosts on 127.0.x.y port $PORT, one sshd each, each with its own tmpfs at $PRIVATE; fanout $FANOUT for every tool"
say "payload: tree = 1000 files / 20 MB in 10 folders; big = one 50 MB file (random bytes: incompressible, pscp's forced -C only costs CPU)"
say "checks:  names and sizes on every host after every run, file contents after the warm-up; CPU = user+sys of the tool and its children; server CPU = the fleet's (a cgroup holding every sshd)"
say "raw:     $RAW; failing runs in $ERRLOG"
say ""

copy_section() { # SECTION SRCPATH NAME TITLE
  local section=$1 src=$2 name=$3 t r
  say "## $4, median of $RUNS run(s)"
  for t in $TOOLS; do reset_dest; run_tool "$section" "$t" '' verify "$src" "$name" copy content; done
  for r in $(seq "$RUNS"); do
    for t in $TOOLS; do reset_dest; run_tool "$section" "$t" "$r" time "$src" "$name" copy names; done
  done
  table "$section" $TOOLS
  say ""
}

has_section tree && copy_section tree "$SRC/tree" tree "tree: 1000 files / 20 MB to $HOSTS hosts (DEST empty)"
has_section big && copy_section big "$SRC/big.bin" big.bin "big: one 50 MB file to $HOSTS hosts (DEST empty)"

if has_section update; then
  UPDATE_TOOLS=
  for t in $TOOLS; do case $t in lwt | prsync | parallel-rsync) UPDATE_TOOLS="$UPDATE_TOOLS $t" ;; esac; done
  say "## update: 10 of the 1000 files changed, the rest already on the $HOSTS hosts; median of $RUNS run(s)"
  reset_dest
  for t in $UPDATE_TOOLS; do prepare_update; run_tool update "$t" '' verify "$SRC/tree" tree update mtimes; done
  for r in $(seq "$RUNS"); do
    for t in $UPDATE_TOOLS; do prepare_update; run_tool update "$t" "$r" time "$SRC/tree" tree update mtimes; done
  done
  table update $UPDATE_TOOLS
  say "(lwt: put-all --changed, size+mtime; prsync and rsync: -a, size+mtime quick check. Before each run every host is brought"
  say " to the current source with lwt put-all --changed --delete, untimed, then 10 files change locally.)"
  say ""
fi

node "$FLEET_CLI" down --dir "$FLEET_DIR" >/dev/null 2>&1 && FLEET_UP=0
left=$(ps -eo pid=,args= | grep -F -e "$FLEET_DIR" | grep -v -e grep -e put-all.sh)
[ -z "$left" ] && say "cleanup: fleet stopped, no process mentions $FLEET_DIR" || { say "cleanup: WARNING, still running:"; say "$left"; }
say "report: $REPORT"
