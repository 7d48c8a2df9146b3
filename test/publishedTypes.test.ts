// @ferret/internal is private and bundled into each package by tsup: no published declaration file
// may name it (a user's type checker could not resolve it, and the docs would point at a package
// nobody can install). Reads every public package's built dist/, so it needs `pnpm build` first
// (`pnpm test` builds before it runs).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Every declaration file (.d.ts, .d.cts, .d.mts) under `dir`, recursively. */
function declarationFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...declarationFiles(path));
    else if (/\.d\.[cm]?ts$/.test(entry)) files.push(path);
  }
  return files;
}

describe('published declaration files', () => {
  for (const name of readdirSync(join(root, 'packages')).sort()) {
    const dir = join(root, 'packages', name);
    let manifest: { name: string; private?: boolean };
    try {
      manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    if (manifest.private) continue;
    it(`${manifest.name} never names @ferret/internal`, () => {
      let files: string[];
      try {
        files = declarationFiles(join(dir, 'dist'));
      } catch {
        throw new Error(`${manifest.name} is not built: run pnpm build at the repository root`);
      }
      expect(files.length, `${manifest.name} has no declaration files in dist/`).toBeGreaterThan(0);
      const naming = files
        .filter((file) => readFileSync(file, 'utf8').includes('@ferret/internal'))
        .map((file) => relative(root, file));
      expect(naming).toEqual([]);
    });
  }
});
