// Rows handed to JavaScript from inside SQLite (`ferret_row()`): every row once, in index order
// when asked, errors passed through, the query bound still applied, and the same analysis when
// the run index is missing (the rows then come through an iterator).
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerretStoreError, openSpanReader, SqliteSpanStore } from '../src/index.js';
import { QueryBudget } from '../src/QueryBudget.js';
import { forEachRow, forEachRowInOrder, installRowSink } from '../src/rowSink.js';
import { span, temporaryDirectory } from './helpers.js';

/** 1,000 rows of `t (k, v, label)`, two keys, `v` inserted in a shuffled order. */
function table(withIndex: boolean): Database.Database {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (k INTEGER NOT NULL, v REAL NOT NULL, label TEXT)');
  if (withIndex) db.exec('CREATE INDEX t_by_k_v ON t (k, v)');
  const insert = db.prepare('INSERT INTO t (k, v, label) VALUES (?, ?, ?)');
  for (let i = 0; i < 1000; i++) {
    const v = (i * 7919) % 1000;
    insert.run(i % 2, v, `row ${v}`);
  }
  new QueryBudget(':memory:', 60_000).install(db);
  installRowSink(db);
  return db;
}

describe('forEachRow', () => {
  it('hands every matching row over once, with named parameters in columns and condition', () => {
    const db = table(true);
    try {
      const seen: Array<[unknown, unknown]> = [];
      forEachRow<[unknown, unknown]>(
        db,
        { columns: 'v * @scale, label', from: 't', where: 'k = @k', params: { k: 1, scale: 2 } },
        (v, label) => seen.push([v, label]),
      );
      expect(seen).toHaveLength(500);
      expect(new Set(seen.map(([, label]) => label)).size).toBe(500);
      for (const [v, label] of seen) expect(label).toBe(`row ${(v as number) / 2}`);
    } finally {
      db.close();
    }
  });

  it('stops at an error thrown by the callback and rethrows that very error', () => {
    const db = table(true);
    try {
      const thrown = new RangeError('damaged row');
      let calls = 0;
      const run = () =>
        forEachRow(db, { columns: 'v', from: 't', where: 'k = @k', params: { k: 0 } }, () => {
          if (++calls === 10) throw thrown;
        });
      expect(run).toThrow(thrown);
      expect(calls).toBe(10);
      // The connection is free again.
      expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1000);
    } finally {
      db.close();
    }
  });

  it('the callback cannot read the connection it is called from', () => {
    const db = table(true);
    try {
      expect(() =>
        forEachRow(db, { columns: 'v', from: 't', where: '1', params: {} }, () => {
          db.prepare('SELECT 1').get();
        }),
      ).toThrow(/busy executing a query/);
    } finally {
      db.close();
    }
  });

  it('is bounded by the query budget like every reader statement', () => {
    const db = new Database(':memory:');
    let now = 0;
    const budget = new QueryBudget('f.db', 100, () => now);
    budget.install(db);
    try {
      db.exec(`CREATE TABLE n (i INTEGER);
        WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 200000)
        INSERT INTO n SELECT i FROM r;`);
      let rows = 0;
      const read = () =>
        forEachRow(db, { columns: 'i', from: 'n', where: '1', params: {} }, () => {
          rows++;
        });
      budget.run(read);
      expect(rows).toBe(200_000);
      rows = 0;
      expect(() =>
        budget.run(() => {
          now += 101;
          read();
        }),
      ).toThrow(FerretStoreError);
      expect(rows).toBeLessThan(200_000);
    } finally {
      db.close();
    }
  });
});

describe('forEachRowInOrder', () => {
  for (const withIndex of [true, false]) {
    it(`hands the rows over in ORDER BY order ${withIndex ? 'through the index' : 'without an index (iterator)'}`, () => {
      const db = table(withIndex);
      try {
        const values: number[] = [];
        forEachRowInOrder<[number]>(
          db,
          { columns: 'v', from: 't', where: 'k = @k', params: { k: 1 } },
          'v',
          (v) => values.push(v),
        );
        expect(values).toHaveLength(500);
        expect(values).toEqual([...values].sort((a, b) => a - b));
      } finally {
        db.close();
      }
    });
  }
});

describe('the analysis without the run index', () => {
  let tmp: ReturnType<typeof temporaryDirectory>;
  beforeEach(() => {
    tmp = temporaryDirectory();
  });
  afterEach(() => tmp.cleanup());

  it('gives the same analyze, stackTree, summary and profile (rows then come sorted by SQLite)', async () => {
    const path = join(tmp.dir, 'indexed.db');
    const store = new SqliteSpanStore({ path, worker: false });
    // Children stored before their parents (as spans end), overlapping, two runs interleaved.
    const spans = [];
    for (let i = 0; i < 200; i++) {
      const start = 1_700_000_000_000 + i * 3;
      const root = span({ name: `GET /${i % 3}`, startTime: start, duration: 5, weight: 2 });
      const a = span({
        name: 'db.query',
        traceId: root.traceId,
        parentSpanId: root.spanId,
        startTime: start + 1,
        duration: 2,
        weight: 2,
        attributes: { 'db.table': i % 4 === 0 ? 'orders' : 'users' },
      });
      const b = span({
        name: 'render',
        traceId: root.traceId,
        parentSpanId: root.spanId,
        startTime: start + 2,
        duration: 2.5,
        weight: 2,
      });
      spans.push(a, b, root, span({ name: 'other', runId: 'run-0', startTime: start }));
    }
    store.write(spans);
    await store.close();
    const bare = join(tmp.dir, 'bare.db');
    copyFileSync(path, bare);
    const db = new Database(bare);
    db.exec('DROP INDEX spans_by_run_start');
    db.close();

    const results = [path, bare].map((file) => {
      const reader = openSpanReader(file);
      try {
        return {
          analyze: reader.analyze({ runId: 'run-1', by: 'db.table', sampleSize: 10 }),
          named: reader.analyze({ runId: 'run-1', name: 'GET /*' }),
          tree: reader.stackTree({ runId: 'run-1' }),
          summary: reader.summary({ runId: 'run-1' }),
          profile: reader.profile({ runId: 'run-1' }),
        };
      } finally {
        reader.close();
      }
    });
    expect(results[0]!.analyze.rows.length).toBeGreaterThan(4);
    expect(results[0]!.named.rows.map((row) => row.name).sort()).toEqual([
      'GET /0',
      'GET /1',
      'GET /2',
    ]);
    expect(results[0]!.tree.roots.map((node) => node.name).sort()).toEqual([
      'GET /0',
      'GET /1',
      'GET /2',
    ]);
    expect(results[1]).toEqual(results[0]);
  });
});
