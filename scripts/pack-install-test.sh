#!/usr/bin/env bash
# Installs Ferret as a user outside this repository would, until the packages are on a registry:
# `pnpm pack` every public package (pnpm rewrites `workspace:^` to the real version range), then
# `npm install` all the tarballs together into a fresh app in a temporary directory. The app's
# TypeScript script is type-checked with `skipLibCheck: false` against the installed
# declarations, compiled, and run: it measures with a Profiler, stores the spans in SQLite, then
# `ferret analyze` runs through the installed bin and must list the measured names. A CommonJS
# require of every package root checks the other build.
#
#   bash scripts/pack-install-test.sh          # packages must be built (pnpm build)
#
# Needs the npm registry (the OpenTelemetry peers, ioredis, better-sqlite3, which compiles from
# source when no prebuilt binary can be fetched: about 75 s). Leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/ferret-pack-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tarballs" "$work/app"

packages=()
for manifest in packages/*/package.json; do
  dir=$(dirname "$manifest")
  [ "$(node -p "require('./$manifest').private === true")" = true ] && continue
  packages+=("$dir")
done

echo "packing ${#packages[@]} packages"
for dir in "${packages[@]}"; do
  # prepack (scripts/check-built.mjs) refuses a package whose build is missing or stale.
  (cd "$dir" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
done
for tarball in "$work"/tarballs/*.tgz; do
  if ! tar -xzOf "$tarball" package/LICENSE | cmp -s - LICENSE; then
    echo "$(basename "$tarball"): package/LICENSE is missing or differs from the root LICENSE" >&2
    exit 1
  fi
done

# Every tarball is a direct dependency of the app, so npm resolves @ferret/* ranges between them
# to these files and never asks the registry for a @ferret package.
node -e '
const fs = require("node:fs");
const path = require("node:path");
const [tarballs, app] = process.argv.slice(1);
const dependencies = {};
for (const file of fs.readdirSync(tarballs).sort()) {
  const name = "@ferret/" + file.replace(/^ferret-/, "").replace(/-\d+\.\d+\.\d+.*\.tgz$/, "");
  dependencies[name] = "file:" + path.join(tarballs, file);
}
const pkg = { name: "ferret-pack-install-app", private: true, type: "module", dependencies };
fs.writeFileSync(path.join(app, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
' "$work/tarballs" "$work/app"

cd "$work/app"
echo "npm install (tarballs + their registry dependencies)"
npm install --no-audit --no-fund --loglevel=error
npm install --no-audit --no-fund --loglevel=error --save-dev "@types/node@20"

cat > app.ts <<'EOF'
import { setTimeout as sleep } from 'node:timers/promises';
import { main } from '@ferret/cli';
import { OtelExporterSink } from '@ferret/otel-bridge';
import { Profiler, type ProfilerStats } from '@ferret/profiler';
import { TokenBucket } from '@ferret/ratelimit';
import { LeasedTokenBucket } from '@ferret/ratelimit-redis';
import { getProfiler } from '@ferret/run';
import { createRateLimitedSampler } from '@ferret/sampler-otel';
import { openSpanReader, SqliteSpanStore } from '@ferret/store-sqlite';
import { SqliteSpanExporter } from '@ferret/store-sqlite/otel';

// Every package root is reachable; the classes are only named, not started.
const reachable = [main, OtelExporterSink, LeasedTokenBucket, getProfiler, createRateLimitedSampler, SqliteSpanExporter];
if (reachable.some((value) => typeof value !== 'function')) throw new Error('an export is missing');

const profiler = new Profiler({
  bucket: new TokenBucket({ ratePerSecond: 1000 }),
  sink: new SqliteSpanStore({ path: 'ferret.db' }),
});
for (let i = 0; i < 50; i++) {
  await profiler.measure('pack.request', async () => {
    await sleep(1);
    profiler.measure('pack.child', () => i * 2);
  });
}
await profiler.close();
const stats: ProfilerStats = profiler.stats();
const reader = openSpanReader('ferret.db');
const names = reader.summary().map((row) => row.name);
reader.close();
if (!names.includes('pack.request') || !names.includes('pack.child')) {
  throw new Error(`stored names: ${names.join(', ')}`);
}
console.log(`measured and stored: ${names.join(', ')} (${stats.recordedRoots} roots recorded)`);
EOF
cat > tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "target": "ES2022",
    "strict": true,
    "skipLibCheck": false,
    "types": ["node"],
    "outDir": "out"
  },
  "files": ["app.ts"]
}
EOF

echo "tsc (skipLibCheck: false) against the installed declarations"
node "$repo/node_modules/typescript/bin/tsc" -p .
node out/app.js

echo "ferret analyze through the installed bin"
./node_modules/.bin/ferret analyze ferret.db > analyze.txt
cat analyze.txt
grep -q 'pack.request' analyze.txt && grep -q 'pack.child' analyze.txt

echo "CommonJS require of every package root"
node -e '
for (const name of Object.keys(require("./package.json").dependencies)) {
  const loaded = require(name);
  if (Object.keys(loaded).length === 0) throw new Error(name + " exports nothing under require()");
}
'
echo "pack-and-install: ok"
