#!/usr/bin/env node
// Committed launcher so that package managers can link the bin before the first build.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/index.js', import.meta.url);
if (!existsSync(entry)) {
  console.error(
    'ferret: @ferret/cli is not built (dist/index.js is missing): run pnpm build first',
  );
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
