#!/usr/bin/env bash
# The demo, from a fresh clone: installs what it needs (npm packages, nginx, the pinned Synapse
# virtualenv), builds the app, then starts local Synapse peers with seeded rooms and the archive
# on embedded PGlite, and prints the URL to open.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
bash scripts/ensure-deps.sh
bash scripts/install-tls-front.sh
bash scripts/install-synapse.sh >/dev/null
# Rebuild when the sources changed since the last build.
if [ ! -f .next/BUILD_ID ] || [ -n "$(find app components lib instrumentation.ts next.config.js -newer .next/BUILD_ID -type f -print -quit 2>/dev/null)" ]; then
  npx next build
fi
exec npx tsx scripts/demo.ts
