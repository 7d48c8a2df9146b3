import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Tests import the workspace packages from their sources, so `pnpm test:only` never runs a stale
 * build: each entry of a package's `exports` whose build is `dist/<name>.js` is aliased to
 * `src/<name>.ts` when that file exists (entries with side effects, such as `@ferret/run/register`,
 * stay on the build). An alias, not an export condition: it applies to the modules Vitest loads,
 * while the child processes and worker threads a test starts resolve the packages as users' code
 * does (to `dist/`), with no condition that would send them to TypeScript sources.
 */
function sourceAliases(): Array<{ find: RegExp; replacement: string }> {
  const packages = new URL('./packages/', import.meta.url);
  const aliases: Array<{ find: RegExp; replacement: string }> = [];
  for (const dir of readdirSync(packages)) {
    const manifestUrl = new URL(`${dir}/package.json`, packages);
    if (!existsSync(manifestUrl)) continue;
    const manifest = JSON.parse(readFileSync(manifestUrl, 'utf8')) as {
      name: string;
      exports?: Record<string, unknown>;
      sideEffects?: unknown;
    };
    const sideEffects = Array.isArray(manifest.sideEffects) ? manifest.sideEffects : [];
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      const built = (target as { import?: { default?: string } } | null)?.import?.default;
      const match = typeof built === 'string' ? /^\.\/dist\/(.+)\.js$/.exec(built) : null;
      if (!match || sideEffects.includes(built)) continue;
      const source = new URL(`${dir}/src/${match[1]}.ts`, packages);
      if (!existsSync(source)) continue;
      const specifier = `${manifest.name}${subpath.slice(1)}`.replace(/[/.]/g, '\\$&');
      aliases.push({ find: new RegExp(`^${specifier}$`), replacement: fileURLToPath(source) });
    }
  }
  return aliases;
}

export default defineConfig({
  resolve: { alias: sourceAliases() },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    setupFiles: ['./test/setup/resetEnvWarnings.ts'],
    typecheck: {
      enabled: true,
      include: ['packages/*/test/**/*.test-d.ts'],
      tsconfig: './tsconfig.typetests.json',
    },
  },
});
