#!/bin/sh
# Install what lwt's tests and demo need from the system: OpenSSH's sshd and client.
# As root with apt-get it installs them; otherwise it says what to install and fails.
set -eu
missing=""
[ -x /usr/sbin/sshd ] || missing="$missing openssh-server"
command -v ssh >/dev/null 2>&1 || missing="$missing openssh-client"
command -v ssh-keygen >/dev/null 2>&1 || missing="$missing openssh-client"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "lwt: installing$missing (needed by the test fleet)" >&2
  # Keep the package from starting a system sshd on port 22: a policy-rc.d that refuses,
  # only for the install, and only if none exists already.
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  apt-get update -qq >/dev/null
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
  exit 0
fi
echo "lwt: the tests need OpenSSH's sshd: install it (Debian: apt-get install openssh-server) and run again" >&2
exit 1
