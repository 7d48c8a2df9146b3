// Every export (runtime or type-only) of every published package is named on its docs/api page:
// the check of scripts/public-surface.mjs --check-docs, which reads the built packages (pnpm build first).
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

it('docs/api names every export', () => {
  const result = spawnSync(
    process.execPath,
    [join(root, 'scripts/public-surface.mjs'), '--check-docs'],
    {
      encoding: 'utf8',
    },
  );
  const missing = result.stdout
    .split('\n')
    .filter((line) => line.includes('not named in docs/api'));
  expect(missing).toEqual([]);
  expect(result.status).toBe(0);
}, 60_000);
