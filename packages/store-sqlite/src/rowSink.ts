// Rows handed to JavaScript from inside SQLite: the statement's WHERE clause calls
// `ferret_row(columns…)`, an application function, once per row and the function returns false, so
// the whole scan runs in one step and no row array is built. better-sqlite3 builds an iterator's
// row through V8's generic element store on Node 20 (about 1,200 instructions per column) and
// crosses into C++ once per row; a function call gets its arguments as a plain list. Measured on
// 1,000,000 spans of 12 columns in start order: 2.1–2.4 s of CPU iterated, 0.9–1.1 s this way.
import type Database from 'better-sqlite3';
import { BUDGET } from './QueryBudget.js';

/** The SQL function a sink statement calls for every row. */
const FUNCTION = 'ferret_row';

/** Most values one row may hand over (the dispatcher's parameters). */
export const MAX_ROW_VALUES = 14;

type Callback = (...values: unknown[]) => void;

/** The connection's `ferret_row()` and the callback of the statement running now. */
class RowSink {
  current: Callback | undefined;

  constructor(db: Database.Database) {
    db.function(
      FUNCTION,
      { deterministic: false, directOnly: true, varargs: true },
      (a, b, c, d, e, f, g, h, i, j, k, l, m, n) => {
        this.current!(a, b, c, d, e, f, g, h, i, j, k, l, m, n);
        return 0;
      },
    );
  }

  run(callback: Callback, work: () => void): void {
    if (this.current !== undefined) {
      throw new TypeError('A row callback may not read the database it is called from');
    }
    this.current = callback;
    try {
      work();
    } finally {
      this.current = undefined;
    }
  }
}

const sinks = new WeakMap<Database.Database, RowSink>();

/**
 * Registers `ferret_row()` on the connection. Call it when the connection opens: SQLite refuses
 * a new function while a statement (an open iterator) is running on it.
 */
export function installRowSink(db: Database.Database): void {
  if (!sinks.has(db)) sinks.set(db, new RowSink(db));
}

function sinkOf(db: Database.Database): RowSink {
  installRowSink(db);
  return sinks.get(db)!;
}

/** One sink query: `SELECT columns FROM from WHERE where [ORDER BY orderBy]`, bounded by BUDGET. */
export interface RowQuery {
  /** Comma-separated SQL expressions, at most {@link MAX_ROW_VALUES}. */
  columns: string;
  /** Table expression (`spans`, `spans NOT INDEXED`). */
  from: string;
  /** Condition after the budget term (no `WHERE`). */
  where: string;
  /** Values of the named parameters (`@name`) in `columns` and `where`. */
  params: Readonly<Record<string, unknown>>;
}

/**
 * Calls `onRow` with the values of `query.columns` for every row the statement visits, in
 * whatever order SQLite scans them. `onRow` may not use the connection (SQLite is mid-statement);
 * an error it throws stops the statement and is rethrown as is.
 */
export function forEachRow<Row extends unknown[]>(
  db: Database.Database,
  query: RowQuery,
  onRow: (...values: Row) => void,
): void {
  const sink = sinkOf(db);
  const statement = db.prepare(
    `SELECT 1 FROM ${query.from} WHERE ${BUDGET} AND ${query.where} AND ${FUNCTION}(${query.columns})`,
  );
  sink.run(onRow as Callback, () => statement.get(query.params));
}

/**
 * {@link forEachRow} in `ORDER BY orderBy` order. When the plan walks an index in that order, the
 * rows reach `onRow` from inside SQLite; when it would sort first (the index is missing), they are
 * read through an iterator instead, in sorted order.
 */
export function forEachRowInOrder<Row extends unknown[]>(
  db: Database.Database,
  query: RowQuery,
  orderBy: string,
  onRow: (...values: Row) => void,
): void {
  const sink = sinkOf(db);
  const sinkSql = `SELECT 1 FROM ${query.from} WHERE ${BUDGET} AND ${query.where} AND ${FUNCTION}(${query.columns}) ORDER BY ${orderBy}`;
  const plan = db.prepare(`EXPLAIN QUERY PLAN ${sinkSql}`).all(query.params) as {
    detail: unknown;
  }[];
  if (!plan.some((step) => /\bTEMP B-TREE\b/.test(String(step.detail)))) {
    const statement = db.prepare(sinkSql);
    sink.run(onRow as Callback, () => statement.get(query.params));
    return;
  }
  const rows = db
    .prepare(
      `SELECT ${query.columns} FROM ${query.from} WHERE ${BUDGET} AND ${query.where} ORDER BY ${orderBy}`,
    )
    .raw()
    .iterate(query.params) as IterableIterator<Row>;
  for (const row of rows) onRow(...row);
}
