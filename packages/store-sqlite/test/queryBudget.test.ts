// Every reader call is bounded in time: a statement that runs past `queryTimeoutMs` is stopped
// from inside SQLite (better-sqlite3 has no interrupt) and fails with one line, `TOO_SLOW`.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerretStoreError, openSpanReader, SqliteSpanStore } from '../src/index.js';
import { BUDGET, QueryBudget, ROWS_PER_CHECK } from '../src/QueryBudget.js';
import { temporaryDirectory } from './helpers.js';

let tmp: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  tmp = temporaryDirectory();
});
afterEach(() => tmp.cleanup());

/**
 * A file with one run of 300,000 spans (its `summary()` calls JavaScript once per span: well
 * over 100 ms) and a small run of 10 spans that started later.
 */
async function largeFile(): Promise<string> {
  const path = join(tmp.dir, 'large.db');
  await new SqliteSpanStore({ path, worker: false }).close();
  const db = new Database(path);
  try {
    db.exec(`
      INSERT INTO runs (run_key, run_id, first_start, last_end, span_count)
      VALUES (1, 'big', 1e12, 1e12 + 300000, 300000), (2, 'small', 2e12, 2e12 + 10, 10);
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 300009)
      INSERT INTO spans (run_key, trace_id, span_id, parent_span_id, is_root, name, start_time,
                         duration, status, weight, pid, thread_id)
      SELECT CASE WHEN i < 300000 THEN 1 ELSE 2 END, printf('%032x', i), printf('%016x', i), NULL,
             1, 'op', CASE WHEN i < 300000 THEN 1e12 ELSE 2e12 END + i, 1, 0, 1, 1, 0 FROM n;`);
  } finally {
    db.close();
  }
  return path;
}

describe('queryTimeoutMs', () => {
  it('a query past the bound stops with one TOO_SLOW line, and the reader stays usable', async () => {
    const reader = openSpanReader(await largeFile(), { queryTimeoutMs: 20 });
    try {
      let caught: unknown;
      try {
        reader.summary({ runId: 'big' });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(FerretStoreError);
      expect((caught as FerretStoreError).code).toBe('TOO_SLOW');
      expect((caught as Error).message).toMatch(
        /large\.db: a query ran past its 20 ms bound after visiting about [\d,]+ rows/,
      );
      expect((caught as Error).message).not.toContain('\n');
      // The next call gets a fresh budget.
      expect(reader.latestRunId()).toBe('small');
      expect(reader.summary({ runId: 'small' })[0]).toMatchObject({ name: 'op', recorded: 10 });
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
    expect(() => openSpanReader(path, { queryTimeoutMs: 2 ** 31 })).toThrow(
      // The message every timer option gives (one checker, assertTimerMs).
      new RangeError(
        'Expected `queryTimeoutMs` to be at most 2147483647 ms (about 24.8 days, the longest delay a Node.js timer takes), got 2147483648',
      ),
    );
    expect(() => openSpanReader(path, { queryTimeoutMs: '5' as unknown as number })).toThrow(
      TypeError,
    );
    openSpanReader(path, { queryTimeoutMs: 2 ** 31 - 1 }).close();
  });
});

describe('QueryBudget', () => {
  /**
   * A budget on a fake clock that counts its reads, and statements over `n` generated rows whose
   * WHERE clause starts with BUDGET, as every reader statement's does.
   */
  function setUp(timeoutMs: number) {
    let now = 1000;
    let clockReads = 0;
    const budget = new QueryBudget('f.db', timeoutMs, () => {
      clockReads++;
      return now;
    });
    const db = new Database(':memory:');
    budget.install(db);
    const series = 'WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < ?)';
    const rows = (n: number) =>
      db.prepare(`${series} SELECT count(*) FROM r WHERE ${BUDGET}`).pluck().get(n);
    return {
      budget,
      db,
      rows,
      series,
      advance: (ms: number) => (now += ms),
      clockReads: () => clockReads,
    };
  }

  it('calls JavaScript for about one row in 1,024, not for every row (OR short-circuits)', () => {
    const { budget, db, rows, clockReads } = setUp(100);
    try {
      const before = clockReads();
      expect(budget.run(() => rows(1_000_000))).toBe(1_000_000);
      // The calls are Binomial(1,000,000, 1/1,024): mean 977, sd 31, so 700..1,300 is ±9 sd.
      expect(ROWS_PER_CHECK).toBe(1024);
      expect(budget.checks).toBeGreaterThan(700);
      expect(budget.checks).toBeLessThan(1300);
      // Each call reads the clock once (one more read armed the deadline).
      expect(clockReads() - before).toBe(budget.checks + 1);
    } finally {
      db.close();
    }
  });

  it('checks rows whatever their rowids (a crafted file cannot pick rows that skip the check)', () => {
    const { budget, db, clockReads } = setUp(100);
    try {
      // Every rowid is 1 modulo 1,024, which a rowid-based pick would never check.
      db.exec(`CREATE TABLE t (v INTEGER);
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
        INSERT INTO t (rowid, v) SELECT i * 1024 + 1, i FROM n;`);
      const before = clockReads();
      const count = budget.run(() =>
        db.prepare(`SELECT count(*) FROM t WHERE ${BUDGET}`).pluck().get(),
      );
      expect(count).toBe(100_000);
      expect(budget.checks).toBeGreaterThan(40); // mean 98, sd 10
      expect(clockReads() - before).toBe(budget.checks + 1);
    } finally {
      db.close();
    }
  });

  it('stops a statement from inside SQLite once the deadline has passed', () => {
    const { budget, db, rows, advance } = setUp(100);
    try {
      expect(budget.run(() => rows(100_000))).toBe(100_000);
      expect(() =>
        budget.run(() => {
          advance(100);
          rows(100_000); // at the deadline, not past it
          advance(1);
          return rows(100_000);
        }),
      ).toThrow(
        /^f\.db: a query ran past its 100 ms bound after visiting about [\d,]+ rows, and was stopped/,
      );
    } finally {
      db.close();
    }
  });

  it('stops aggregates, groupings and sorts over many rows before they return', () => {
    const { budget, db, series, advance } = setUp(100);
    try {
      for (const select of [
        'SELECT sum(i) FROM r',
        'SELECT i % 7, count(*) FROM r',
        'SELECT i FROM r',
      ]) {
        const where = select.includes('%') ? `WHERE ${BUDGET} GROUP BY 1` : `WHERE ${BUDGET}`;
        const order = select === 'SELECT i FROM r' ? 'ORDER BY -i LIMIT 1' : '';
        const statement = db.prepare(`${series} ${select} ${where} ${order}`).raw();
        expect(() =>
          budget.run(() => {
            advance(101);
            return statement.all(200_000);
          }),
        ).toThrow(FerretStoreError);
        // The same statement within the bound returns its result.
        expect(budget.run(() => statement.all(200_000)).length).toBeGreaterThan(0);
      }
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
            rows(100_000);
          });
        }),
      ).toThrow(FerretStoreError);
      // Outside run(), nothing is armed.
      advance(10_000);
      expect(rows(100_000)).toBe(100_000);
      expect(budget.run(() => rows(100_000))).toBe(100_000);
    } finally {
      db.close();
    }
  });
});
