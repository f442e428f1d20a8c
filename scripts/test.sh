#!/bin/sh
# The test command: system packages, npm packages, build, then every test in one runner
# (unit tests of pure logic and integration tests against a real local sshd fleet).
set -eu
cd "$(dirname "$0")/.."
sh scripts/ensure-system.sh
sh scripts/install-deps.sh
# The shell lists the files (node 20's --test does not expand globs); unit tests live in
# folders that mirror src/, hence find; one file at a time because integration tests start
# their own sshd fleets on shared loopback addresses.
exec node --test --test-concurrency=1 $(find dist/test/unit -name '*.test.js' | sort) dist/test/integration/*.test.js
