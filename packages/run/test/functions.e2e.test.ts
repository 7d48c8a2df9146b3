import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SpanRecord } from '@ferret/profiler';
import { openSpanReader } from '@ferret/store-sqlite';
import { afterEach, describe, expect, it } from 'vitest';

const FERRET = fileURLToPath(new URL('../../cli/bin/ferret.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/functions', import.meta.url));
const TS_FIXTURE = fileURLToPath(new URL('./fixtures/functions-ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const DEP_SOURCE = 'exports.depWork = function depWork() { return "+dep"; };\n';
/** Valid for Node (a call as an assignment target fails only when it runs); the parser refuses it. */
const LEGACY_SOURCE = [
  'function neverCalled() {',
  '  neverCalled() = 1;',
  '}',
  "exports.still = function still() { return typeof neverCalled === 'function' ? 'runs' : 'broken'; };",
  '',
].join('\n');

let dir = '';
afterEach(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Copies the fixture app (plus a dependency in node_modules and legacy.cjs) into a fresh directory. */
function appDirectory(): string {
  dir = mkdtempSync(join(tmpdir(), 'ferret-functions-'));
  cpSync(FIXTURE, dir, { recursive: true });
  mkdirSync(join(dir, 'node_modules', 'dep'), { recursive: true });
  writeFileSync(
    join(dir, 'node_modules', 'dep', 'package.json'),
    '{"name":"dep","main":"index.js"}',
  );
  writeFileSync(join(dir, 'node_modules', 'dep', 'index.js'), DEP_SOURCE);
  writeFileSync(join(dir, 'legacy.cjs'), LEGACY_SOURCE);
  return dir;
}

function ferretRun(cwd: string, args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [FERRET, 'run', ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function spansOf(db: string): SpanRecord[] {
  const reader = openSpanReader(db);
  try {
    const [info] = reader.runs();
    return [...reader.spans({ runId: info!.runId })];
  } finally {
    reader.close();
  }
}

describe('ferret run --functions', () => {
  it('records the functions of matching files as nested spans, keeps stack lines, never touches node_modules', async () => {
    const cwd = appDirectory();
    const db = join(cwd, 'ferret.db');
    // '**' matches node_modules/dep/index.js too: the node_modules rule wins over the glob.
    const run = await ferretRun(cwd, [
      '--db',
      db,
      '--no-libs',
      '--quiet',
      '--functions',
      '**',
      '--',
      process.execPath,
      'app.mjs',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.handled).toBe('value=42+dep');
    // Stack traces name the original lines (nothing inserted moves a line); without source
    // maps, a column right of a wrapper opened on the same line moves.
    expect(result.esm).toEqual({ line: 18, column: 9 });
    expect(result.cjs).toEqual({ line: 8, column: 9 });
    expect(result.oneLine.line).toBe(22);
    expect(result.oneLine.column).toBeGreaterThan(37);
    // The dependency runs as written; the app's own function is rewritten.
    expect(result.depSource).toBe('function depWork() { return "+dep"; }');
    expect(result.handlerSource).toContain('__ferret$fn.m("app.mjs:handler"');
    // The file the parser refuses runs unchanged, with one warning naming it.
    expect(result.legacy).toBe('runs');
    expect(run.stderr.match(/--functions left legacy\.cjs unchanged/g)).toHaveLength(1);

    const spans = spansOf(db);
    expect(
      spans.some((span) => span.name.includes('node_modules') || span.name.includes('depWork')),
    ).toBe(false);
    const named = (name: string) => {
      const found = spans.filter((span) => span.name === name);
      expect(found, name).toHaveLength(1);
      return found[0]!;
    };
    const handler = named('app.mjs:handler');
    const helper = named('lib.mjs:helper');
    const inner = named('lib.mjs:inner');
    const format = named('util.cjs:format');
    expect(handler.parentSpanId).toBeUndefined();
    expect(helper.parentSpanId).toBe(handler.spanId);
    expect(inner.parentSpanId).toBe(helper.spanId);
    expect(format.parentSpanId).toBe(handler.spanId);
    expect(new Set([handler, helper, inner, format].map((span) => span.traceId)).size).toBe(1);
    expect(named('app.mjs:failHere').status).toBe('error');
    expect(named('util.cjs:fail').status).toBe('error');
  }, 60_000);

  it('keeps the original lines and columns under --enable-source-maps', async () => {
    const cwd = appDirectory();
    const run = await ferretRun(cwd, [
      '--db',
      join(cwd, 'ferret.db'),
      '--no-libs',
      '--quiet',
      '--functions',
      '*.{mjs,cjs}',
      '--',
      process.execPath,
      '--enable-source-maps',
      'app.mjs',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.esm).toEqual({ line: 18, column: 9 });
    expect(result.cjs).toEqual({ line: 8, column: 9 });
    expect(result.oneLine).toEqual({ line: 22, column: 37 });
  }, 60_000);

  it('instruments TypeScript loaded through tsx', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferret-functions-ts-'));
    cpSync(TS_FIXTURE, dir, { recursive: true });
    const db = join(dir, 'ferret.db');
    const run = await ferretRun(dir, [
      '--db',
      db,
      '--no-libs',
      '--quiet',
      '--functions',
      'src/**',
      '--',
      process.execPath,
      '--import',
      TSX,
      'src/main.ts',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ handled: 4, line: 13 });
    const spans = spansOf(db);
    const named = (name: string) => spans.find((span) => span.name === name);
    const handler = named('src/main.ts:handler');
    const helper = named('src/helper.ts:helper');
    const inner = named('src/helper.ts:inner');
    expect(helper?.parentSpanId).toBe(handler?.spanId);
    expect(inner?.parentSpanId).toBe(helper?.spanId);
    expect(named('src/main.ts:fail')?.status).toBe('error');
  }, 60_000);

  it('rejects an empty glob at the command line', async () => {
    const cwd = appDirectory();
    const run = await ferretRun(cwd, ['--functions', ' ', '--', process.execPath, 'app.mjs']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^ferret: .*--functions/);
  }, 60_000);
});
