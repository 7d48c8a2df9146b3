import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '../src/SpanRecord.js';

// `using` and TC39 decorators are not run natively by Node 20, so the fixture is compiled with
// esbuild, the compiler tsup runs for `pnpm build`, with the repo's target (node20), rather than
// by vitest's own transform. The bundle goes under node_modules/.cache so that its bare imports
// (`@ferret/ratelimit`, `sonic-boom`) resolve from this package. `@ferret/internal` is bundled,
// as tsup bundles it into the published package.
const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, 'fixtures', 'modern-syntax.fixture.ts');
const outfile = join(
  here,
  '..',
  'node_modules',
  '.cache',
  'ferret-test',
  `modern-syntax-${process.pid}.mjs`,
);

interface FixtureResult {
  endedInsideScope: boolean;
  loaded: string;
  found: string;
  calls: number;
  spans: SpanRecord[];
}

const externalPackagesButInternal: Plugin = {
  name: 'external-packages-but-internal',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@ferret/internal') ? undefined : { path: args.path, external: true },
    );
  },
};

describe('TypeScript sources compiled by the repo build (esbuild, target node20)', () => {
  it('`using` ends spans at scope exit; @profiler.measured() measures methods', async () => {
    mkdirSync(dirname(outfile), { recursive: true });
    await build({
      entryPoints: [fixture],
      outfile,
      bundle: true,
      plugins: [externalPackagesButInternal],
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // Lowering decorators makes esbuild rename the class binding (`_Repo`); keepNames keeps
      // `Repo.name`, which the decorator's default span name uses (see docs/api/profiler.md).
      keepNames: true,
      logLevel: 'silent',
    });
    let result: FixtureResult;
    try {
      const { run } = (await import(pathToFileURL(outfile).href)) as {
        run: () => Promise<FixtureResult>;
      };
      result = await run();
    } finally {
      rmSync(outfile, { force: true });
    }

    expect(result.endedInsideScope).toBe(false); // still open inside its block
    expect(result.loaded).toBe('user 1');
    expect(result.found).toBe('user 2');
    expect(result.calls).toBe(2);
    const byName = new Map(result.spans.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual(
      ['Repo.create', 'Repo.load', 'find 2', 'scoped', 'scoped-throw'].sort(),
    );
    expect(result.spans.filter((s) => s.name === 'Repo.load')).toHaveLength(2);
    expect(byName.get('scoped')!.attributes).toEqual({ phase: 'a', inside: true });
    expect(byName.get('scoped-throw')!.status).toBe('error');
    // The nested load inside find() is its child.
    const find = byName.get('find 2')!;
    const nested = result.spans.find(
      (s) => s.name === 'Repo.load' && s.parentSpanId === find.spanId,
    );
    expect(nested).toBeDefined();
  });
});
