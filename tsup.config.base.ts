import type { Options } from 'tsup';

/**
 * The build every Ferret package shares: ESM + CommonJS + declarations for both, for Node 20.
 * `shims: true` gives the CommonJS output `import.meta.url`, which worker entries (such as
 * store-sqlite's `writer.worker`) need to find their file next to the module at run time.
 * `@ferret/internal` (private, never published) is bundled into every entry, so a published
 * package never depends on it. Each package passes only its entries; its package.json exports
 * map names the files they produce.
 */
export function packageBuild(entry: string[]): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    shims: true,
    noExternal: ['@ferret/internal'],
  };
}
