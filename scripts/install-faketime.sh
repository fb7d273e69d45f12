#!/usr/bin/env bash
# libfaketime, which the test bed uses to run Synapse on another day's clock (multi-day history).
# Prints the library's path.
set -euo pipefail
find_lib() { ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1; }
if [ -z "$(find_lib)" ]; then
  bash "$(dirname "$0")/install-apt.sh" faketime /usr/bin/faketime >&2
fi
lib="$(find_lib)"
[ -n "$lib" ] || { echo "install-faketime: libfaketime.so.1 not found after install" >&2; exit 1; }
echo "$lib"
