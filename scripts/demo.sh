#!/bin/sh
# The main job on a local fleet: install what is missing, bring up 20 sshd hosts on loopback
# unless a fleet is already running, and run `lwt exec-all 'ls; sleep 2'` on every host.
# Extra arguments go to exec-all:  npm run demo -- -b 'uname -r'
set -eu
cd "$(dirname "$0")/.."
sh scripts/ensure-system.sh
sh scripts/install-deps.sh
fleet=${LWT_FLEET_DIR:-/tmp/lwt-fleet}
if ! node dist/test/fleet/cli.js status --dir "$fleet" | grep -q '^fleet running'; then
  node dist/test/fleet/cli.js up "${LWT_DEMO_HOSTS:-20}" --dir "$fleet"
fi
home="$fleet/home"
mkdir -p "$home/hosts"
cp "$fleet/hosts" "$home/hosts/candidates"
echo "lwt home: $home (hosts/candidates lists the fleet); stop the fleet with: npm run fleet -- down"
if [ $# -eq 0 ]; then set -- 'ls; sleep 2'; fi
exec bin/lwt --home "$home" exec-all -F "$fleet/ssh_config" "$@"
