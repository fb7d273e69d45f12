#!/usr/bin/env bash
# Installs what the project needs from npm and generates the Prisma client. Idempotent and fast
# when nothing changed, so both README commands can call it on every run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || ! cmp -s <(node -e 'const l=require("./package-lock.json");delete l.name;delete l.version;console.log(JSON.stringify(l.packages))' 2>/dev/null | sha1sum) <(cat .cache/npm-installed.sha1 2>/dev/null); then
  echo "==> npm ci"
  npm ci --no-audit --no-fund
  mkdir -p .cache
  node -e 'const l=require("./package-lock.json");delete l.name;delete l.version;console.log(JSON.stringify(l.packages))' | sha1sum > .cache/npm-installed.sha1
fi

if [ ! -f lib/generated/prisma/client.ts ] || [ -n "$(find prisma/schema -newer lib/generated/prisma/client.ts -name '*.prisma' 2>/dev/null)" ]; then
  echo "==> prisma generate"
  npm run --silent prisma:generate >/dev/null
fi
