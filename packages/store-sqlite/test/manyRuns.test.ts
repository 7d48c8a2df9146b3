// `runs()` on a file holding many runs without count records (OpenTelemetry-exported runs, runs
// of processes that recorded nothing): their root calls come from one grouped statement, so the
// work does not grow with the square of the number of runs.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqliteSpanStore } from '../src/index.js';
import { SqliteSpanReader } from '../src/SqliteSpanReader.js';
import { temporaryDirectory } from './helpers.js';

let tmp: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  tmp = temporaryDirectory();
});
afterEach(() => tmp.cleanup());

/** `runs` runs without count records, each with 3 roots of weight 2 (run i+1 has no span). */
async function manyRuns(runs: number): Promise<string> {
  const path = join(tmp.dir, `runs-${runs}.db`);
  await new SqliteSpanStore({ path, worker: false }).close();
  const db = new Database(path);
  try {
    db.exec(`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${runs + 1})
      INSERT INTO runs (run_key, run_id, first_start, last_end, span_count)
      SELECT i, 'run-' || i, 1e12 + i, 1e12 + i + 1, CASE WHEN i <= ${runs} THEN 3 ELSE 0 END FROM n;
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${3 * runs - 1})
      INSERT INTO spans (run_key, trace_id, span_id, parent_span_id, is_root, name, start_time,
                         duration, status, weight, pid, thread_id)
      SELECT 1 + i % ${runs}, printf('%032x', i), printf('%016x', i), NULL, 1, 'op', 1e12 + i,
             1, 0, 2, 1, 0 FROM n;`);
  } finally {
    db.close();
  }
  return path;
}

/** The statements `runs()` prepares, and its result. */
async function runsOf(runs: number) {
  const path = await manyRuns(runs);
  const db = new Database(path, { readonly: true });
  const prepare = vi.spyOn(db, 'prepare');
  const reader = new SqliteSpanReader(path, db, 60_000);
  try {
    const result = reader.runs();
    return { result, statements: prepare.mock.calls.length };
  } finally {
    reader.close();
  }
}

describe('runs() over many runs without count records', () => {
  it('prepares the same statements for 20 runs as for 2,000, and estimates each run', async () => {
    const few = await runsOf(20);
    const many = await runsOf(2000);
    expect(many.statements).toBe(few.statements);
    expect(many.statements).toBeLessThan(10);
    expect(many.result).toHaveLength(2001);
    for (const run of many.result.slice(0, 2000)) {
      expect(run).toMatchObject({ spanCount: 3, rootCalls: 6, callsExact: false });
    }
    expect(many.result[2000]).toMatchObject({ runId: 'run-2001', rootCalls: 0, spanCount: 0 });
  });
});
