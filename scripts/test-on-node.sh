#!/usr/bin/env bash
# Runs the vitest suite on another Node.js major (default 24) beside the machine's own Node:
# scripts/with-node.sh fetches that Node from npm and rebuilds better-sqlite3 for it.
#
#   bash scripts/test-on-node.sh [major] [vitest args…]
set -euo pipefail
cd "$(dirname "$0")/.."

major=${1:-24}
shift || true
exec bash scripts/with-node.sh "$major" node node_modules/vitest/vitest.mjs run "$@"
