#!/usr/bin/env bash
# Makes sure a Postgres server answers for the integration tests (they also run on embedded
# PGlite, which needs nothing). Uses TEST_POSTGRES_URL when set; otherwise the local server on
# 127.0.0.1:5432, started if it is installed but down, installed from Debian's packages if absent.
# Prints the URL to use on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

url="${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
answers() { node -e 'const pg=require("pg");const c=new pg.Client({connectionString:process.argv[1],connectionTimeoutMillis:3000});c.connect().then(()=>c.end()).then(()=>process.exit(0),()=>process.exit(1))' "$1"; }

if answers "$url"; then echo "$url"; exit 0; fi
if [ -n "${TEST_POSTGRES_URL:-}" ]; then
  echo "ensure-postgres: no Postgres server answers at TEST_POSTGRES_URL=$TEST_POSTGRES_URL" >&2
  exit 1
fi

if ! command -v pg_ctlcluster >/dev/null; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "ensure-postgres: no Postgres server at $url. Start one, or set TEST_POSTGRES_URL." >&2
    exit 1
  fi
  echo "ensure-postgres: installing Debian's postgresql" >&2
  exec 9>/tmp/matrix-archive-apt.lock
  flock -w 900 9
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq postgresql >/dev/null
fi

version="$(ls /etc/postgresql | sort -V | tail -1)"
pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
for _ in $(seq 1 30); do
  if answers "$url"; then echo "$url"; exit 0; fi
  # A freshly installed server asks for a password over TCP: give the postgres role one.
  pw_url="postgresql://postgres:postgres@127.0.0.1:5432/postgres"
  if su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null 2>&1 && answers "$pw_url"; then
    echo "$pw_url"; exit 0
  fi
  sleep 1
done
echo "ensure-postgres: the local Postgres server did not come up; see /var/log/postgresql" >&2
exit 1
