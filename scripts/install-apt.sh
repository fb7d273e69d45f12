#!/usr/bin/env bash
# Usage: install-apt.sh PACKAGE FILE
# Installs a Debian package when FILE (what the project needs from it) is missing. Idempotent;
# runs `apt-get update` only when the package is not in the current lists. Several test scripts
# may install at once: an flock serializes ours and dpkg's lock timeout makes apt wait for others.
set -euo pipefail
package="$1"; file="$2"

[ -e "$file" ] && exit 0
if [ "$(id -u)" != "0" ]; then
  echo "install-apt: $file is missing and we are not root; install it with: apt-get install -y $package" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)
exec 9>/tmp/matrix-archive-apt.lock
flock -w 900 9 || { echo "install-apt: timed out waiting for /tmp/matrix-archive-apt.lock" >&2; exit 1; }
[ -e "$file" ] && exit 0

if ! apt-cache show "$package" >/dev/null 2>&1; then
  apt-get "${APT_OPTS[@]}" update -qq
fi
# --no-install-recommends keeps it small (nginx's default site is never started: the test bed
# runs it in the foreground with its own config).
apt-get "${APT_OPTS[@]}" install -y -qq --no-install-recommends "$package" >/dev/null
[ -e "$file" ] || { echo "install-apt: $file still missing after installing $package" >&2; exit 1; }
