#!/usr/bin/env bash
# Installs Debian's Chromium when /usr/bin/chromium is missing: Playwright's own browser download
# is not reachable here, so playwright.config.ts points at this binary. Idempotent.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "install-chromium: /usr/bin/chromium is missing and we are not root; install it with: apt-get install -y chromium" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)

exec 9>/tmp/matrix-archive-apt.lock
flock -w 900 9 || { echo "install-chromium: timed out waiting for /tmp/matrix-archive-apt.lock" >&2; exit 1; }
if [ -x /usr/bin/chromium ]; then
  exit 0
fi

if ! apt-cache show chromium >/dev/null 2>&1; then
  apt-get "${APT_OPTS[@]}" update -qq
fi
apt-get "${APT_OPTS[@]}" install -y -qq chromium >/dev/null
[ -x /usr/bin/chromium ] || { echo "install-chromium: /usr/bin/chromium still missing after install" >&2; exit 1; }
