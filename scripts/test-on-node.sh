#!/usr/bin/env bash
# Runs the test suite on another Node.js major (default 24) beside the machine's own Node:
# scripts/with-node.sh fetches that Node from npm and rebuilds better-sqlite3 for it. The tests
# run through `pnpm test:only`, the command the README's `pnpm test` ends with and .ci/run runs
# on the machine's Node, so every Node runs the same tests the same way.
#
#   bash scripts/test-on-node.sh [major] [vitest args…]
set -euo pipefail
cd "$(dirname "$0")/.."

major=${1:-24}
shift || true
exec bash scripts/with-node.sh "$major" pnpm test:only "$@"
