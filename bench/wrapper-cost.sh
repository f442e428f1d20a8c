#!/usr/bin/env bash
# What lwt's remote wrapper costs a host, without ssh in the way: the exec line of exec-all
# (src/ssh/remote-command.ts) run N times by bash, as sshd runs it (`bash -c LINE`, the job
# cookie on stdin), with CPU read from a cpuacct cgroup holding the loop, so that everything
# the wrapper starts is counted (the watchdog included, which outlives its job by a second).
#   raw       the command alone (`true`), what every peer runs
#   detach    lwt's wrapper with --detach: pid line and cookie, no watchdog
#   wrapper   lwt's wrapper as exec-all sends it: with the watchdog
# Per kind, the median over R repetitions (interleaved) of CPU µs per run, and the difference to
# raw. The loop's own cost (printf | bash) is in every kind alike.
# Usage: bash bench/wrapper-cost.sh [N] [R]   (default 1000 runs, 5 repetitions; needs root and
# cgroup v1 cpuacct or cgroup v2). Run it alone: it measures CPU on the whole machine's cores.
set -u
cd "$(dirname "$0")/.." || exit 2
N=${1:-1000}
R=${2:-5}
[ -f dist/src/ssh/remote-command.js ] || npm run build --silent || exit 2
if [ -f /sys/fs/cgroup/cpuacct/cpuacct.usage ]; then CG=/sys/fs/cgroup/cpuacct/lwt-wrapper-$$; usage() { echo $(($(cat "$CG/cpuacct.usage") / 1000)); }
elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then CG=/sys/fs/cgroup/lwt-wrapper-$$; usage() { awk '$1 == "usage_usec" { print $2 }' "$CG/cpu.stat"; }
else echo "bench: no cpuacct or cgroup v2 here" >&2; exit 2; fi
mkdir "$CG" || { echo "bench: cannot make $CG (root?)" >&2; exit 2; }
WORK=$(mktemp -d)
cleanup() {
  for _ in $(seq 30); do rmdir "$CG" 2>/dev/null && break; sleep 0.2; done
  rm -rf "$WORK"
}
trap cleanup EXIT
node --input-type=module -e "
  import { wrapRemoteCommand } from '$PWD/dist/src/ssh/remote-command.js';
  import { writeFileSync } from 'node:fs';
  writeFileSync('$WORK/raw', 'true');
  writeFileSync('$WORK/detach', wrapRemoteCommand({ command: 'true', detach: true }).line);
  writeFileSync('$WORK/wrapper', wrapRemoteCommand({ command: 'true' }).line);
" || exit 2
KINDS="raw detach wrapper"
for r in $(seq "$R"); do
  for k in $KINDS; do
    a=$(usage)
    bash -c 'echo $$ > "$1/cgroup.procs"; for i in $(seq "$2"); do printf "0123456789abcdef01\n" | bash -c "$3"; done 2>/dev/null' _ "$CG" "$N" "$(cat "$WORK/$k")"
    # The watchdogs of the last jobs end within their one-second nap: wait for them.
    for _ in $(seq 30); do [ -z "$(cat "$CG/cgroup.procs")" ] && break; sleep 0.1; done
    b=$(usage)
    echo "$k $(((b - a) / N))" >>"$WORK/results"
  done
done
printf '%-8s %12s %14s   (%s runs × %s repetitions)\n' kind 'µs per run' 'minus raw' "$N" "$R"
awk -v kinds="$KINDS" '
  { v[$1, ++n[$1]] = $2 }
  END {
    split(kinds, ks, " ")
    for (i = 1; i in ks; i++) { k = ks[i]; m = n[k]
      for (a = 1; a <= m; a++) s[a] = v[k, a]
      for (a = 2; a <= m; a++) { t = s[a]; for (b = a - 1; b >= 1 && s[b] > t; b--) s[b + 1] = s[b]; s[b + 1] = t }
      med[k] = m % 2 ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
      printf "%-8s %12d %14d\n", k, med[k], med[k] - med["raw"] }
  }' "$WORK/results"
