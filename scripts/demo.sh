#!/usr/bin/env bash
# The README's "Run" command: the set-up (idempotent), then the headless host in demo mode on the
# project's Node (native modules are built for it; the system Node would not load them).
# Extra arguments go to the host, e.g. `bash scripts/demo.sh --port 8080`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/node-env.sh
exec npm run headless -- --demo "$@"
