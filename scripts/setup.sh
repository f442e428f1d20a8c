#!/bin/sh
# One-time set-up: system packages (as root with apt-get), npm packages, build.
set -eu
cd "$(dirname "$0")/.."
sh scripts/ensure-system.sh
sh scripts/install-deps.sh
echo "lwt is built: run it as $(pwd)/bin/lwt (or npm link to put lwt on PATH)"
