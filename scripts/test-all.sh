#!/usr/bin/env bash
# The one test command (README "Test"; .ci/run runs exactly this): set-up, then type-check, lint,
# build, unit + integration + browser tests, the hardening suite, the real-daemon tier, the fleet tier, the offline packaging check and
# a benchmark smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/node-env.sh
npm test
# Hostile input on every surface, URL bypasses through the real sender, a 60 s chaos run.
npm run test:hardening
# The real pilot-daemon (from PyPI) in a loopback-only network namespace.
npm run test:daemon
# Fleet mode on a real 3-server NATS JetStream cluster on loopback (nats-server from setup.sh).
npm run test:fleet
# electron-builder --dir, offline, against a stub Electron: validates packaging and fuses.
npm run package:check
if [ -f bench/run.mjs ]; then
  npm run bench -- --quick
fi
node scripts/summarize-tests.mjs
