import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../src/packageVersion.js';

describe('packageVersion', () => {
  it('reads the version of the package one folder above the module', () => {
    const cliModule = new URL('../../cli/src/index.ts', import.meta.url).href;
    const manifest = JSON.parse(
      readFileSync(new URL('../../cli/package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    expect(packageVersion(cliModule)).toBe(manifest.version);
    expect(packageVersion(import.meta.url)).toBe('0.0.0'); // this private package's own
  });

  it("says '0.0.0' when there is no manifest to read", () => {
    expect(packageVersion('file:///nonexistent/dir/module.js')).toBe('0.0.0');
  });
});
