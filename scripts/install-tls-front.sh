#!/usr/bin/env bash
# Installs nginx from Debian's packages when missing: the federation test bed puts it in front of
# the archive because Synapse only federates over HTTPS. Idempotent; runs `apt-get update` only
# when the package cannot be found in the current lists.
set -euo pipefail

if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi

if [ "$(id -u)" != "0" ]; then
  echo "install-tls-front: nginx is missing and we are not root; install it with: apt-get install -y nginx-light (or nginx)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Several test scripts may install Debian packages at once; dpkg's own lock serializes them, and
# these options make apt wait for it instead of failing straight away.
APT_OPTS=(-o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)

# Serialize our own installers (chromium, nginx) so they do not race on `apt-get update`.
exec 9>/tmp/matrix-archive-apt.lock
flock -w 600 9 || { echo "install-tls-front: timed out waiting for /tmp/matrix-archive-apt.lock" >&2; exit 1; }

# Another process may have installed it while we waited for the lock.
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi

if ! apt-cache show nginx >/dev/null 2>&1; then
  apt-get "${APT_OPTS[@]}" update -qq
fi
# --no-install-recommends keeps it small; the default site is never started because the test bed
# runs nginx in the foreground with its own config file.
apt-get "${APT_OPTS[@]}" install -y -qq --no-install-recommends nginx >/dev/null
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { echo "install-tls-front: nginx still missing after install" >&2; exit 1; }
