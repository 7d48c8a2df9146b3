// End to end through the committed launcher: a crafted file that stalls a command (46 s for
// `ferret runs` without a bound) ends with one line and exit 1 once a query passes
// FERRET_QUERY_TIMEOUT_MS. Needs the built dist/ (the root `pnpm test` builds).
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
  const path = join(dir, 'quadratic.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    // Tables with Ferret's columns, so the open checks pass; the run index dropped and 2,000
    // runs without count records, so `runs` scans 200,000 spans once per run.
    await new SqliteSpanStore({ path, worker: false }).close();
    const db = new Database(path);
    try {
      db.exec(`
        DROP INDEX spans_by_run_start;
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
        INSERT INTO runs (run_key, run_id, first_start, last_end, span_count)
        SELECT i, 'run-' || i, 1e12 + i, 1e12 + i + 1, 100 FROM n;
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 199999)
        INSERT INTO spans (run_key, trace_id, span_id, parent_span_id, is_root, name, start_time,
                           duration, status, weight, pid, thread_id)
        SELECT 1 + i % 2000, printf('%032x', i), printf('%016x', i), NULL, 1, 'op', 1e12 + i,
               1, 0, 1, 1, 0 FROM n;`);
    } finally {
      db.close();
    }
  });

  it('`ferret runs` on a crafted file: one TOO_SLOW line, exit 1, long before the query ends', async () => {
    const result = await ferret({ FERRET_QUERY_TIMEOUT_MS: '300' }, 'runs', path);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^ferret: [^\n]*quadratic\.db: a query ran past its 300 ms bound after visiting about [\d,]+ rows, and was stopped [^\n]*FERRET_QUERY_TIMEOUT_MS[^\n]*\n$/,
    );
    expect(result.ms).toBeLessThan(20_000);
  });

  it('commands whose queries fit the bound still work on the same file', async () => {
    const result = await ferret({ FERRET_QUERY_TIMEOUT_MS: '30000' }, 'analyze', path);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('run run-2000');
  });

  it('a malformed FERRET_QUERY_TIMEOUT_MS warns once (FERRET_ENV) and keeps the default', async () => {
    const result = await ferret(
      { FERRET_QUERY_TIMEOUT_MS: 'soon' },
      'analyze',
      path,
      '--run',
      'run-3',
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /\[FERRET_ENV\] Warning: Ignoring FERRET_QUERY_TIMEOUT_MS="soon"/,
    );
    expect(result.stderr.match(/FERRET_ENV/g)).toHaveLength(1);
  });
});
