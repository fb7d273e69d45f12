#!/usr/bin/env bash
# Installs the pinned Synapse into a virtualenv in the project's ignored cache folder, once.
# The federation test bed (scripts/testbed) calls this before every run; when the stamp file
# records the same pin and Python, it returns at once. Safe when several processes call it at the
# same time (an flock serializes them; the loser finds the stamp and does nothing).
#
# Prints the venv's python path on stdout (and nothing else), so callers can use it directly.
set -euo pipefail

SYNAPSE_PIN="matrix-synapse==1.163.2"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${MATRIX_ARCHIVE_CACHE_DIR:-$ROOT/.cache}"
VENV="$CACHE/synapse-venv"
STAMP="$VENV/.installed-pin"
PYTHON="${PYTHON:-python3}"

mkdir -p "$CACHE"
# The stamp names the interpreter too: a venv built by another Python is not reusable.
PY_VERSION="$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
WANT="$SYNAPSE_PIN python=$PY_VERSION"

is_current() { [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && [ -x "$VENV/bin/python" ]; }

if is_current; then
  echo "$VENV/bin/python"
  exit 0
fi

exec 9>"$CACHE/synapse-venv.lock"
if ! flock -w 900 9; then
  echo "install-synapse: timed out after 900 s waiting for $CACHE/synapse-venv.lock" >&2
  exit 1
fi
# Someone else may have finished the install while we waited.
if is_current; then
  echo "$VENV/bin/python"
  exit 0
fi

start=$(date +%s)
echo "install-synapse: installing $SYNAPSE_PIN into $VENV (python $PY_VERSION)" >&2
# A half-built venv (killed mid-install, or an old pin) is rebuilt from scratch: the stamp is
# written last, so its absence means the directory cannot be trusted.
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
# pip's output goes to a log file (it is long, and this machine's pip.conf adds noisy warnings);
# on failure its tail is shown.
LOG="$CACHE/synapse-install.log"
if ! { "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input "$SYNAPSE_PIN" \
       && "$VENV/bin/python" -c 'import synapse.app.homeserver'; } >"$LOG" 2>&1; then
  echo "install-synapse: pip install $SYNAPSE_PIN failed; last lines of $LOG:" >&2
  tail -n 30 "$LOG" >&2
  exit 1
fi
echo "$WANT" > "$STAMP.tmp"
mv "$STAMP.tmp" "$STAMP"
echo "install-synapse: done in $(( $(date +%s) - start )) s" >&2
echo "$VENV/bin/python"
