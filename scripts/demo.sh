#!/usr/bin/env bash
# The demo, from a fresh clone: installs what it needs (npm packages, nginx, the pinned Synapse
# virtualenv, libfaketime), then starts local Synapse peers with the seeded story and the
# archive on embedded PGlite (building the app when needed), and prints the URLs to open.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
bash scripts/ensure-deps.sh
bash scripts/install-tls-front.sh
bash scripts/install-synapse.sh >/dev/null
bash scripts/install-faketime.sh >/dev/null
exec npx tsx scripts/demo.ts
