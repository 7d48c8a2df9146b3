// The reader's check that a file's tables are the ones Ferret writes, before any query runs: a
// crafted file with a Ferret header could define `runs` as a view (a recursive one never ends)
// or drop columns the reader reads.
import Database from 'better-sqlite3';
import { FerretStoreError } from './FerretStoreError.js';
import { MIGRATIONS } from './schema.js';

/** The tables the reader queries (those a schema version has). */
const READER_TABLES = ['runs', 'spans', 'counts', 'run_processes'] as const;

interface Column {
  name: string;
  type: string;
  notnull: number;
}

const expectedByVersion = new Map<number, Map<string, Column[]>>();

/**
 * The columns each table has in a file of schema `version`, as this package's migrations build
 * it (once per version, in memory).
 */
function expectedColumns(version: number): Map<string, Column[]> {
  let expected = expectedByVersion.get(version);
  if (expected !== undefined) return expected;
  const db = new Database(':memory:');
  try {
    for (const migration of MIGRATIONS.slice(0, version)) migration(db);
    expected = new Map();
    for (const table of READER_TABLES) {
      const columns = columnsOf(db, table);
      if (columns.length > 0) expected.set(table, columns);
    }
  } finally {
    db.close();
  }
  expectedByVersion.set(version, expected);
  return expected;
}

function columnsOf(db: Database.Database, table: string): Column[] {
  return db
    .prepare(`SELECT name, type, "notnull" FROM pragma_table_info(?)`)
    .all(table) as Column[];
}

/**
 * Throws `DAMAGED` unless `runs`, `spans`, `counts` (and, from schema version 2, `run_processes`)
 * are ordinary tables holding every column this package writes in a file of `version`, with its
 * declared type and NOT NULL constraint.
 */
export function assertFerretTables(path: string, db: Database.Database, version: number): void {
  const objects = new Map(
    (
      db
        .prepare(
          `SELECT name, type, sql FROM sqlite_schema WHERE name IN (SELECT value FROM json_each(?))`,
        )
        .all(JSON.stringify(READER_TABLES)) as { name: unknown; type: unknown; sql: unknown }[]
    ).map((row) => [row.name, row]),
  );
  for (const [table, columns] of expectedColumns(version)) {
    const object = objects.get(table);
    if (object === undefined) {
      throw new FerretStoreError('DAMAGED', `${path} is damaged: it has no \`${table}\` table`);
    }
    if (object.type !== 'table' || /^\s*CREATE\s+VIRTUAL\b/i.test(String(object.sql))) {
      throw new FerretStoreError(
        'DAMAGED',
        `${path} is damaged: \`${table}\` is a ${object.type === 'table' ? 'virtual table' : String(object.type)}, not a table`,
      );
    }
    const found = new Map(columnsOf(db, table).map((column) => [column.name, column]));
    for (const column of columns) {
      const actual = found.get(column.name);
      if (
        actual === undefined ||
        String(actual.type).toUpperCase() !== column.type.toUpperCase() ||
        actual.notnull !== column.notnull
      ) {
        throw new FerretStoreError(
          'DAMAGED',
          `${path} is damaged: \`${table}.${column.name}\` is ${actual === undefined ? 'missing' : 'not declared as Ferret writes it'}`,
        );
      }
    }
  }
}
