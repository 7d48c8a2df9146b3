import Database from 'better-sqlite3';
import { assertReadableVersion, describeError, inspectDatabaseFile } from './databaseFile.js';
import { FerretStoreError } from './FerretStoreError.js';
import type { SpanReader } from './readerTypes.js';
import { SqliteSpanReader } from './SqliteSpanReader.js';
import { applicationIdOf, FERRET_APPLICATION_ID, schemaVersionOf } from './schema.js';

/**
 * Opens a Ferret database for reading. The file is opened read-only after its header was
 * checked, and is never modified.
 * @throws TypeError when `path` is not a non-empty string.
 * @throws FerretStoreError `NOT_FOUND`, `EMPTY_FILE`, `NOT_FERRET`, `NEWER_SCHEMA`, `CORRUPT`.
 */
export function openSpanReader(path: string): SpanReader {
  if (typeof path !== 'string' || path.length === 0) {
    throw new TypeError(
      `Expected \`path\` to be a non-empty string, got ${typeof path === 'string' ? 'an empty string' : typeof path}`,
    );
  }
  inspectDatabaseFile(path, { mustExist: true });
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new FerretStoreError('CORRUPT', `${path}: cannot open (${describeError(error)})`, {
      cause: error,
    });
  }
  try {
    if (applicationIdOf(db) !== FERRET_APPLICATION_ID) {
      throw new FerretStoreError('NOT_FERRET', `${path} is not a Ferret span database`);
    }
    assertReadableVersion(path, schemaVersionOf(db));
    db.prepare('SELECT count(*) FROM runs').get();
  } catch (error) {
    db.close();
    if (error instanceof FerretStoreError) throw error;
    throw new FerretStoreError('CORRUPT', `${path}: cannot read (${describeError(error)})`, {
      cause: error,
    });
  }
  return new SqliteSpanReader(path, db);
}
