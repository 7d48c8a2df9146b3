import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A consumer app outside the workspace with `skipLibCheck: false` and none of the optional
// OpenTelemetry peers installed: only the built package, its required dependencies
// (@ferret/profiler, @ferret/ratelimit) and @types/node. The root types must compile there;
// the `./otel` subpath is where the optional peers live, and it must be the only place that
// asks for them. Needs `pnpm build` (the consumer reads dist/*.d.ts like a user's app would).

const packagesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const repoRequire = createRequire(join(packagesDir, '..', 'package.json'));
const tscBin = repoRequire.resolve('typescript/bin/tsc');
const consumerPackages = ['ratelimit', 'profiler', 'store-sqlite'];

let app: string;

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Runs tsc on the consumer app with `files`; returns its exit status and output. */
function typecheck(files: string[]): { status: number; output: string } {
  writeJson(join(app, 'tsconfig.json'), {
    compilerOptions: {
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      target: 'ES2022',
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      types: ['node'],
    },
    files,
  });
  try {
    const output = execFileSync(process.execPath, [tscBin, '-p', app], { encoding: 'utf8' });
    return { status: 0, output };
  } catch (error) {
    const failure = error as { status: number; stdout: string };
    return { status: failure.status, output: failure.stdout };
  }
}

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'ferret-strict-consumer-'));
  writeJson(join(app, 'package.json'), { name: 'strict-consumer', private: true, type: 'module' });
  for (const name of consumerPackages) {
    const source = join(packagesDir, name);
    if (!existsSync(join(source, 'dist', 'index.d.ts'))) {
      throw new Error(`@ferret/${name} is not built: run pnpm build before this test`);
    }
    const target = join(app, 'node_modules', '@ferret', name);
    mkdirSync(target, { recursive: true });
    cpSync(join(source, 'package.json'), join(target, 'package.json'));
    cpSync(join(source, 'dist'), join(target, 'dist'), { recursive: true });
  }
  // @types/node keeps its own dependencies where it really lives.
  const typesNode = dirname(repoRequire.resolve('@types/node/package.json'));
  mkdirSync(join(app, 'node_modules', '@types'), { recursive: true });
  symlinkSync(realpathSync(typesNode), join(app, 'node_modules', '@types', 'node'), 'dir');

  writeFileSync(
    join(app, 'esm.ts'),
    [
      "import { type NameSummary, openSpanReader, SqliteSpanStore, type SpanStoreStats } from '@ferret/store-sqlite';",
      "import { Profiler } from '@ferret/profiler';",
      "const store = new SqliteSpanStore({ path: 'ferret.db' });",
      'const profiler = new Profiler({ sink: store });',
      "const result: number = profiler.measure('work', () => 1);",
      'const stats: SpanStoreStats = store.stats();',
      "const rows: NameSummary[] = openSpanReader('ferret.db').summary();",
      'export { result, rows, stats };',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(app, 'cjs.cts'),
    [
      "import store = require('@ferret/store-sqlite');",
      "import ratelimit = require('@ferret/ratelimit');",
      "export const sink = new store.SqliteSpanStore({ path: 'ferret.db' });",
      'export const bucket = new ratelimit.TokenBucket({ ratePerSecond: 10 });',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(app, 'otel.ts'),
    "export { SqliteSpanExporter } from '@ferret/store-sqlite/otel';\n",
  );
}, 60_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

describe('a strict consumer without the optional OpenTelemetry peers', () => {
  it('compiles against the root types, ESM and CommonJS, with skipLibCheck: false', () => {
    const { status, output } = typecheck(['esm.ts', 'cjs.cts']);
    expect(output).toBe('');
    expect(status).toBe(0);
  }, 120_000);

  it('is asked for the peers only by the ./otel subpath', () => {
    const { status, output } = typecheck(['otel.ts']);
    expect(status).not.toBe(0);
    expect(output).toMatch(/TS2307: Cannot find module '@opentelemetry\/(core|sdk-trace-base)'/);
  }, 120_000);
});
