#!/usr/bin/env bash
# The HTTP load tool the benchmarks drive (Debian's wrk). Installed only when missing; apt-get
# update only when the package lists do not know it yet. Needs root (or sudo) the first time.
set -euo pipefail
if command -v wrk >/dev/null 2>&1; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "wrk is missing and installing it needs root: apt-get install wrk" >&2; exit 1
  fi
fi
# Several installs may start at once (benches, other scripts): one at a time.
exec 9>/tmp/matrix-archive-apt.lock
flock -w 600 9
if command -v wrk >/dev/null 2>&1; then exit 0; fi
if ! apt-cache show wrk >/dev/null 2>&1; then $SUDO apt-get update -qq; fi
DEBIAN_FRONTEND=noninteractive timeout 600 $SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null
command -v wrk >/dev/null
