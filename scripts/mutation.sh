#!/bin/sh
# Mutation testing (npm run test:mutation [-- STRYKER-ARGS]); see stryker.config.mjs.
# LWT_MUTATION=1 lets tests that time plain code skip themselves. The per-file and per-folder
# scores go to reports/mutation-summary.txt.
set -eu
cd "$(dirname "$0")/.."
# A PID namespace of its own when we may make one (root): whatever a mutant of lwt's process
# code signals, it can only reach the processes of this run.
# Its first process is a shell that waits for Stryker: as the namespace's init it also reaps
# the orphans whose end the tests watch for (a remote watchdog left a zombie under node).
ns=""
if unshare -pf --mount-proc true 2>/dev/null; then ns="unshare -pf --mount-proc"; fi
LWT_MUTATION=1 $ns sh -c 'npx stryker run "$@"; exit $?' sh "$@"
# Every run's report is kept under reports/mutation/runs/ (named by time and commit), and the
# summary reads them all: per-folder runs add up, and for a file the newest run counts.
mkdir -p reports/mutation/runs
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
cp reports/mutation/mutation.json "reports/mutation/runs/$(date -u +%Y-%m-%dT%H%M%SZ)-$commit.json"
node scripts/mutation-summary.mjs reports/mutation/runs/*.json > reports/mutation-summary.txt
node scripts/mutation-equivalent.mjs reports/mutation/runs/*.json > reports/mutation-equivalent.md
cat reports/mutation-summary.txt
grep '^[0-9]* survivors' reports/mutation-equivalent.md
