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

// The snippet imports packages by name; run from a temp dir, they are resolved as this package sees them.
function withResolvedImports(code: string): string {
  return code.replace(/from '([^']+)'/g, (_, spec: string) => {
    const path =
      spec === '@ferret/sampler-otel'
        ? join(packageDir, 'dist/index.js')
        : requireFromPackage.resolve(spec);
    return `from '${pathToFileURL(path).href}'`;
  });
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

  async function runSnippet(name: string, env: Record<string, string> = {}): Promise<string> {
    const file = join(dir, `${name}.mjs`);
    await writeFile(file, withResolvedImports(snippet(doc, name)));
    const { stdout } = await run(process.execPath, [file], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', OTEL_SDK_DISABLED: 'false', ...env },
      timeout: 20_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  }

  it('BasicTracerProvider: records the burst of 100 simultaneous traces, each whole', async () => {
    const out = await runSnippet('basic-tracer-provider');
    const roots = count(out, /name: 'checkout'/g);
    expect(roots).toBeGreaterThanOrEqual(10);
    expect(roots).toBeLessThanOrEqual(12); // 10/s may refill a token while printing
    expect(count(out, /name: 'charge card'/g)).toBe(roots);
    expect(count(out, /'ferret\.sampling\.probability': 1\b/g)).toBe(roots);
  });

  it('NodeTracerProvider: about the burst of 20 traces, children found through async context', async () => {
    const out = await runSnippet('node-tracer-provider');
    const roots = count(out, /name: 'handle order'/g);
    expect(roots).toBeGreaterThanOrEqual(5);
    expect(roots).toBeLessThan(20);
    expect(count(out, /name: 'load order'/g)).toBe(roots);
    // every child names a parent: the context manager carried the root across await
    expect(count(out, /parentSpanContext: \{/g)).toBe(roots);
  });

  it('NodeSDK: samplerFromEnv reads FERRET_SAMPLER_MAX_TRACES_PER_SECOND', async () => {
    const out = await runSnippet('node-sdk', {
      FERRET_SAMPLER_MAX_TRACES_PER_SECOND: '5',
      // no collector here: without these NodeSDK waits on its default OTLP exporters at shutdown
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    });
    const exported = count(out, /name: 'nightly job'/g);
    expect(exported).toBeGreaterThanOrEqual(5);
    expect(exported).toBeLessThanOrEqual(6);
  });
});
