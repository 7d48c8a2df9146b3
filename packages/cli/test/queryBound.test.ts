// End to end through the committed launcher: a command whose query runs past
// FERRET_QUERY_TIMEOUT_MS (here `analyze` of 300,000 spans under a 20 ms bound) ends with one
// line and exit 1. Needs the built dist/ (the root `pnpm test` builds).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SqliteSpanStore } from '@ferret/store-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/ferret.js', import.meta.url));
const run = promisify(execFile);

// better-sqlite3 as the store package resolves it: the test crafts a file the store wrote.
const Database = createRequire(createRequire(import.meta.url).resolve('@ferret/store-sqlite'))(
  'better-sqlite3',
) as new (
  path: string,
) => { exec(source: string): unknown; close(): unknown };

async function ferret(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const begin = performance.now();
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { ...process.env, NO_COLOR: '1', FERRET_DEBUG: '', ...env },
    });
    return { code: 0, stdout, stderr, ms: performance.now() - begin };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { ...failed, ms: performance.now() - begin };
  }
}

describe('every reader query is bounded in time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferret-bound-'));
  const path = join(dir, 'large.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    // One run of 300,000 spans (analyze calls JavaScript once per span: well over 20 ms) and
    // a small run of 10 spans that started before it.
    await new SqliteSpanStore({ path, worker: false }).close();
    const db = new Database(path);
    try {
      db.exec(`
        INSERT INTO runs (run_key, run_id, first_start, last_end, span_count)
        VALUES (1, 'small', 1e12, 1e12 + 10, 10), (2, 'big', 2e12, 2e12 + 300000, 300000);
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 300009)
        INSERT INTO spans (run_key, trace_id, span_id, parent_span_id, is_root, name, start_time,
                           duration, status, weight, pid, thread_id)
        SELECT CASE WHEN i < 10 THEN 1 ELSE 2 END, printf('%032x', i), printf('%016x', i), NULL,
               1, 'op', CASE WHEN i < 10 THEN 1e12 ELSE 2e12 END + i, 1, 0, 1, 1, 0 FROM n;`);
    } finally {
      db.close();
    }
  });

  it('`ferret analyze` past the bound: one TOO_SLOW line, exit 1', async () => {
    const result = await ferret({ FERRET_QUERY_TIMEOUT_MS: '20' }, 'analyze', path);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^ferret: [^\n]*large\.db: a query ran past its 20 ms bound after visiting about [\d,]+ rows, and was stopped [^\n]*FERRET_QUERY_TIMEOUT_MS[^\n]*\n$/,
    );
  });

  it('commands whose queries fit the bound still work on the same file', async () => {
    const result = await ferret({ FERRET_QUERY_TIMEOUT_MS: '30000' }, 'analyze', path);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('run big');
  });

  it('a malformed FERRET_QUERY_TIMEOUT_MS warns once (FERRET_ENV) and keeps the default', async () => {
    const result = await ferret(
      { FERRET_QUERY_TIMEOUT_MS: 'soon' },
      'analyze',
      path,
      '--run',
      'small',
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /\[FERRET_ENV\] Warning: Ignoring FERRET_QUERY_TIMEOUT_MS="soon"/,
    );
    expect(result.stderr.match(/FERRET_ENV/g)).toHaveLength(1);
  });
});
