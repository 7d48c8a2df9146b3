// Every reader call is bounded in time: a statement that runs past `queryTimeoutMs` is stopped
// from inside SQLite (better-sqlite3 has no interrupt) and fails with one line, `TOO_SLOW`.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerretStoreError, openSpanReader, SqliteSpanStore } from '../src/index.js';
import { QueryBudget } from '../src/QueryBudget.js';
import { temporaryDirectory } from './helpers.js';

let tmp: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  tmp = temporaryDirectory();
});
afterEach(() => tmp.cleanup());

/**
 * A file whose tables pass every check but whose `runs()` takes quadratic time: 2,000 runs
 * without count records over 200,000 spans, and the run index dropped, so the per-run weight
 * query scans the whole table 2,000 times (46 s on the reader without a bound).
 */
async function quadraticFile(): Promise<string> {
  const path = join(tmp.dir, 'quadratic.db');
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
  return path;
}

describe('queryTimeoutMs', () => {
  it('a query past the bound stops with one TOO_SLOW line, and the reader stays usable', async () => {
    const reader = openSpanReader(await quadraticFile(), { queryTimeoutMs: 200 });
    try {
      const begin = performance.now();
      let caught: unknown;
      try {
        reader.runs();
      } catch (error) {
        caught = error;
      }
      // Stopped long before the 46 s the query needs (generous for a loaded machine).
      expect(performance.now() - begin).toBeLessThan(15_000);
      expect(caught).toBeInstanceOf(FerretStoreError);
      expect((caught as FerretStoreError).code).toBe('TOO_SLOW');
      expect((caught as Error).message).toMatch(
        /quadratic\.db: a query ran past its 200 ms bound after visiting [\d,]+ rows/,
      );
      expect((caught as Error).message).not.toContain('\n');
      // The next call gets a fresh budget.
      expect(reader.latestRunId()).toBe('run-2000');
      expect(reader.summary({ runId: 'run-7' })[0]).toMatchObject({ name: 'op', recorded: 100 });
    } finally {
      reader.close();
    }
  });

  it('is checked at open: a number > 0, at most 2^31-1', async () => {
    const path = join(tmp.dir, 'empty.db');
    await new SqliteSpanStore({ path, worker: false }).close();
    expect(() => openSpanReader(path, { queryTimeoutMs: 0 })).toThrow(
      /Expected `queryTimeoutMs` to be/,
    );
    expect(() => openSpanReader(path, { queryTimeoutMs: Number.NaN })).toThrow(RangeError);
    expect(() => openSpanReader(path, { queryTimeoutMs: 2 ** 31 })).toThrow(RangeError);
    expect(() => openSpanReader(path, { queryTimeoutMs: '5' as unknown as number })).toThrow(
      TypeError,
    );
    openSpanReader(path, { queryTimeoutMs: 2 ** 31 - 1 }).close();
  });
});

describe('QueryBudget', () => {
  /** A budget on a fake clock, and a statement that calls it once per row. */
  function setUp(timeoutMs: number) {
    let now = 1000;
    const budget = new QueryBudget('f.db', timeoutMs, () => now);
    const db = new Database(':memory:');
    budget.install(db);
    const rows = (n: number) =>
      db
        .prepare(
          'WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < ?) SELECT count(*) FROM r WHERE ferret_budget()',
        )
        .pluck()
        .get(n);
    return { budget, db, rows, advance: (ms: number) => (now += ms) };
  }

  it('stops a statement from inside SQLite once the deadline has passed', () => {
    const { budget, db, rows, advance } = setUp(100);
    try {
      expect(budget.run(() => rows(10_000))).toBe(10_000);
      expect(() =>
        budget.run(() => {
          advance(100);
          rows(5_000); // at the deadline, not past it
          advance(1);
          return rows(5_000);
        }),
      ).toThrow(/f\.db: a query ran past its 100 ms bound after visiting 5,120 rows/);
    } finally {
      db.close();
    }
  });

  it('a nested call shares the outer deadline; the next outer call starts afresh', () => {
    const { budget, db, rows, advance } = setUp(100);
    try {
      expect(() =>
        budget.run(() => {
          advance(60);
          budget.run(() => {
            advance(60);
            rows(2_000);
          });
        }),
      ).toThrow(FerretStoreError);
      // Outside run(), nothing is armed.
      advance(10_000);
      expect(rows(2_000)).toBe(2_000);
      expect(budget.run(() => rows(2_000))).toBe(2_000);
    } finally {
      db.close();
    }
  });
});
