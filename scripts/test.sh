#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need (npm packages, a
# Postgres server if none answers, Debian's Chromium and nginx, the pinned Synapse virtualenv),
# then runs the type check, ESLint (with the import-layer rules), the Prettier check, knip (unused
# files, exports and dependencies), unit and integration tests (on Postgres and on PGlite), builds
# the app and runs the Playwright e2e suite against real Synapse homeservers.
# Every part runs even when an earlier one failed; the exit status says whether all passed.
set -uo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
mkdir -p .cache/reports

declare -a TIMINGS=()
FAILED=0
step() {
  local name="$1"; shift
  local start=$SECONDS
  echo; echo "==> $name"
  if "$@"; then TIMINGS+=("$(printf '%-22s %5ss  ok' "$name" $((SECONDS - start)))")
  else TIMINGS+=("$(printf '%-22s %5ss  FAILED' "$name" $((SECONDS - start)))"); FAILED=1; return 1; fi
}

step "npm dependencies" bash scripts/ensure-deps.sh || { echo "cannot go on without dependencies"; exit 1; }
if url="$(bash scripts/ensure-postgres.sh)"; then export TEST_POSTGRES_URL="$url"; else FAILED=1; fi
step "system packages" bash -c 'bash scripts/install-chromium.sh && bash scripts/install-tls-front.sh'
step "synapse virtualenv" bash -c 'bash scripts/install-synapse.sh >/dev/null'
step "typecheck" npx tsc --noEmit
step "lint" npm run --silent lint
step "format" npm run --silent format:check
step "unused code (knip)" npm run --silent knip
rm -f .cache/reports/vitest.json .cache/reports/playwright.json
step "unit + integration" npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/reports/vitest.json
step "build" npm run -s build
export PLAYWRIGHT_JSON_OUTPUT_NAME=.cache/reports/playwright.json
step "e2e (playwright)" npx playwright test --reporter=list,json

echo; echo "==> timings"
printf '%s\n' "${TIMINGS[@]}"
# One closing line for both runners, in the form CI reads.
node scripts/test-summary.mjs .cache/reports/vitest.json .cache/reports/playwright.json || FAILED=1
exit $FAILED
