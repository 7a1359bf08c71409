#!/usr/bin/env bash
# Everything a fresh Debian machine needs to run the app and its tests: Node packages from the lock
# file, and Debian's Chromium for the window's end-to-end tests. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_node_major=20
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt "$need_node_major" ]; then
  echo "setup: Node $need_node_major or newer is needed (found $(node --version))" >&2
  exit 1
fi

# Chromium only for tests (playwright-core drives the system browser; no browser download).
if [ "${SETUP_SKIP_CHROMIUM:-0}" != "1" ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: /usr/bin/chromium is missing; install it with: sudo apt-get install chromium" >&2
  fi
fi

# npm ci only when the lock file changed since the last install (it takes a while).
stamp=node_modules/.setup-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  npm ci --no-audit --no-fund
  touch "$stamp"
fi
