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
  if [ -n "${WORK:-}" ]; then rm -rf "$WORK"; fi
}

# cleanup() on every way out; a signal ends the script with its shell status.
bench_traps() {
  trap cleanup EXIT
  trap 'echo "bench: interrupted" >&2; exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
}
