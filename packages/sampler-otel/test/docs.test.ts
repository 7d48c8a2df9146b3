// Runs the usage snippets of docs/api/sampler-otel.md (BasicTracerProvider, NodeTracerProvider,
// NodeSDK) as real programs against the built package, and checks what their comments promise.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const docPath = resolve(packageDir, '../../docs/api/sampler-otel.md');
const requireFromPackage = createRequire(join(packageDir, 'package.json'));

function snippet(doc: string, name: string): string {
  const match = new RegExp(`<!-- snippet: ${name} -->\\n\`\`\`js\\n([\\s\\S]*?)\\n\`\`\``).exec(
    doc,
  );
  if (!match) throw new Error(`snippet ${name} not found in ${docPath}`);
  return match[1]!;
}

// The snippet imports packages by name; run from a temp dir, they are resolved as this package
// sees them. `@ferret/sampler-otel` resolves to a thin wrapper (`samplerWrapper`) around the built
// package that notes when the first sampler was made.
function withResolvedImports(code: string, wrapperPath: string): string {
  return code.replace(/from '([^']+)'/g, (_, spec: string) => {
    const path = spec === '@ferret/sampler-otel' ? wrapperPath : requireFromPackage.resolve(spec);
    return `from '${pathToFileURL(path).href}'`;
  });
}

// The budget is a rate on the sampler's own clock (performance.now), so how many roots it may
// admit depends on how long the snippet ran, which a busy machine stretches. The wrapper reads
// that clock when the first sampler is made (its bucket starts full then) and again as the
// process exits, after every decision, and prints the window on stderr: at most
// burst + rate x window roots can be sampled in it.
function samplerWrapper(): string {
  const pkg = pathToFileURL(join(packageDir, 'dist/index.js')).href;
  return `import { writeSync } from 'node:fs';
import * as sampler from '${pkg}';
export * from '${pkg}';
let createdAt;
process.on('exit', () => {
  if (createdAt !== undefined) writeSync(2, \`sampler window: \${performance.now() - createdAt} ms\\n\`);
});
export function createRateLimitedSampler(...args) {
  createdAt ??= performance.now();
  return sampler.createRateLimitedSampler(...args);
}
export function samplerFromEnv(...args) {
  createdAt ??= performance.now();
  return sampler.samplerFromEnv(...args);
}
`;
}

/** Most roots a budget of `rate`/s with `burst` can admit in `windowMs`. */
function mostRoots(rate: number, burst: number, windowMs: number): number {
  return burst + Math.floor((rate * windowMs) / 1000);
}

function count(text: string, re: RegExp): number {
  return text.match(re)?.length ?? 0;
}

describe('docs/api/sampler-otel.md snippets', () => {
  let doc: string;
  let dir: string;
  beforeAll(async () => {
    doc = await readFile(docPath, 'utf8');
    dir = await mkdtemp(join(tmpdir(), 'ferret-sampler-doc-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs a snippet: its stdout, and how long its sampler existed (ms, on the sampler's clock). */
  async function runSnippet(
    name: string,
    env: Record<string, string> = {},
  ): Promise<{ out: string; windowMs: number }> {
    const wrapper = join(dir, 'sampler-otel-wrapper.mjs');
    await writeFile(wrapper, samplerWrapper());
    const file = join(dir, `${name}.mjs`);
    await writeFile(file, withResolvedImports(snippet(doc, name), wrapper));
    const { stdout, stderr } = await run(process.execPath, [file], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', OTEL_SDK_DISABLED: 'false', ...env },
      timeout: 20_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const window = /sampler window: ([\d.]+) ms/.exec(stderr);
    expect(window, `no sampler window in stderr: ${stderr}`).not.toBeNull();
    return { out: stdout, windowMs: Number(window![1]) };
  }

  it('BasicTracerProvider: records the burst of 100 simultaneous traces, each whole', async () => {
    const { out, windowMs } = await runSnippet('basic-tracer-provider');
    const roots = count(out, /name: 'checkout'/g);
    expect(roots).toBeGreaterThanOrEqual(10);
    // 10/s refills a token every 100 ms while the loop prints; unlimited, all 100 would be here.
    expect(roots).toBeLessThanOrEqual(mostRoots(10, 10, windowMs));
    expect(roots).toBeLessThan(100);
    expect(count(out, /name: 'charge card'/g)).toBe(roots);
    expect(count(out, /'ferret\.sampling\.probability': 1\b/g)).toBe(roots);
  });

  it('NodeTracerProvider: about the burst of 20 traces, children found through async context', async () => {
    const { out, windowMs } = await runSnippet('node-tracer-provider');
    const roots = count(out, /name: 'handle order'/g);
    expect(roots).toBeGreaterThanOrEqual(5);
    expect(roots).toBeLessThanOrEqual(mostRoots(50, 5, windowMs));
    expect(count(out, /name: 'load order'/g)).toBe(roots);
    // every child names a parent: the context manager carried the root across await
    expect(count(out, /parentSpanContext: \{/g)).toBe(roots);
  });

  it('NodeSDK: samplerFromEnv reads FERRET_SAMPLER_MAX_TRACES_PER_SECOND', async () => {
    const { out, windowMs } = await runSnippet('node-sdk', {
      FERRET_SAMPLER_MAX_TRACES_PER_SECOND: '5',
      // no collector here: without these NodeSDK waits on its default OTLP exporters at shutdown
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    });
    const exported = count(out, /name: 'nightly job'/g);
    expect(exported).toBeGreaterThanOrEqual(5);
    // 5/s with its default burst of 5, not the default 100/s: 100 would admit all 50.
    expect(exported).toBeLessThanOrEqual(mostRoots(5, 5, windowMs));
    expect(exported).toBeLessThan(50);
  });
});
