// Runs the committed launcher as a user would. Needs the built dist/ (the root `pnpm test` builds).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SqliteSpanStore } from '@ferret/store-sqlite';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/ferret.js', import.meta.url));
const run = promisify(execFile);

async function ferret(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { ...process.env, NO_COLOR: '1', FERRET_DEBUG: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function expectOneLineError(
  result: { code: number; stdout: string; stderr: string },
  code: number,
) {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^ferret: [^\n]+\n$/);
  expect(result.stderr).not.toMatch(/\bat .*:\d+:\d+/); // no stack frame
}

describe('bin/ferret.js', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferret-bin-'));

  it('exits 0 with help on --help', async () => {
    const result = await ferret('analyze', '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: ferret analyze \[options\] \[db\]/);
  });

  it('bad flag values: one line, exit 2', async () => {
    expectOneLineError(await ferret('analyze', 'x.db', '--limit', 'abc'), 2);
    expectOneLineError(await ferret('analyze', 'x.db', '--limit', '-1'), 2);
    expectOneLineError(await ferret('analyze', 'x.db', '--sort', 'nope'), 2);
    expectOneLineError(await ferret('export', 'x.db', '--format', 'svg'), 2);
  });

  it('a missing file: one line naming it, exit 1', async () => {
    const missing = join(dir, 'missing.db');
    const result = await ferret('analyze', missing);
    expectOneLineError(result, 1);
    expect(result.stderr).toContain(missing);
  });

  it('a file that is not a Ferret database: one line, exit 1', async () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello, not a database\n'.repeat(20));
    expectOneLineError(await ferret('runs', text), 1);
    // An SQLite header without Ferret's application id.
    const foreign = join(dir, 'other.db');
    const header = Buffer.alloc(4096);
    header.write('SQLite format 3\0', 'latin1');
    writeFileSync(foreign, header);
    expectOneLineError(await ferret('analyze', foreign), 1);
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    expectOneLineError(await ferret('export', empty, '-o', join(dir, 'out.json')), 1);
  });

  it('a real database: output and exit 0; an unknown run id: one line, exit 1', async () => {
    const db = join(dir, 'real.db');
    const store = new SqliteSpanStore({ path: db, worker: false });
    store.write([
      {
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        name: 'GET /',
        startTime: Date.UTC(2025, 0, 1),
        duration: 12.5,
        status: 'ok',
        attributes: {},
        runId: 'only-run',
        pid: 1,
        threadId: 0,
        weight: 1,
      },
    ]);
    await store.close();
    const ok = await ferret('analyze', db);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('');
    // No count records in this file: the call count is an estimate from the span's weight.
    expect(ok.stdout).toMatch(/^GET \/\s+≈1\s+1\s+12.5 ms/m);
    const unknown = await ferret('analyze', db, '--run', 'nope');
    expectOneLineError(unknown, 1);
    expect(unknown.stderr).toContain('nope');
  });
});
