// Every published package ships the repository's LICENSE (npm packs a package's own LICENSE file,
// never the root one), word for word, and says MIT in its package.json.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const license = readFileSync(join(root, 'LICENSE'), 'utf8');

describe('LICENSE', () => {
  it('is the MIT licence of the Ferret contributors', () => {
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 Ferret contributors\n/);
  });

  for (const name of readdirSync(join(root, 'packages')).sort()) {
    const dir = join(root, 'packages', name);
    let manifest: { name: string; private?: boolean; license?: string };
    try {
      manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    if (manifest.private) continue;
    it(`${manifest.name} ships it`, () => {
      expect(manifest.license).toBe('MIT');
      expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toBe(license);
    });
  }
});
