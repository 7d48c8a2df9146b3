#!/usr/bin/env node
// prepack of every public package: refuses to pack a package whose build output is missing, with
// one line naming the package and the command, instead of a tarball that fails at import time
// with ERR_MODULE_NOT_FOUND. Run from the package's directory (npm and pnpm do).
import { existsSync, readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync('package.json', 'utf8'));

/** Every file path an exports map (with conditions) names. */
function targets(entry) {
  if (typeof entry === 'string') return [entry];
  if (entry === null || typeof entry !== 'object') return [];
  return Object.values(entry).flatMap(targets);
}

const missing = [...new Set(targets(manifest.exports))].filter(
  (file) => file.startsWith('./dist/') && !existsSync(file),
);
if (missing.length > 0) {
  console.error(
    `${manifest.name} is not built (${missing.join(', ')} missing): run pnpm build at the repository root first`,
  );
  process.exit(1);
}
