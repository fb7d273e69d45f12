#!/usr/bin/env bash
# Debian's Chromium for Playwright: Playwright's own browser download is not reachable here, so
# playwright.config.ts points at /usr/bin/chromium.
exec bash "$(dirname "$0")/install-apt.sh" chromium /usr/bin/chromium
