#!/bin/sh
# Mutation testing (npm run test:mutation [-- STRYKER-ARGS]); see stryker.config.mjs.
# LWT_MUTATION=1 lets tests that time plain code skip themselves. The per-file and per-folder
# scores go to reports/mutation-summary.txt.
set -eu
cd "$(dirname "$0")/.."
LWT_MUTATION=1 npx stryker run "$@"
node scripts/mutation-summary.mjs reports/mutation/mutation.json > reports/mutation-summary.txt
cat reports/mutation-summary.txt
