import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertFunction,
  assertKnownOptions,
  assertOptionsObject,
  optionKeys,
} from '@ferret/internal';
import Database from 'better-sqlite3';
import { assertReadableVersion, inspectDatabaseFile } from './databaseFile.js';
import { describeError, FerretStoreError } from './FerretStoreError.js';
import { isSharedMemoryUnavailable, openFailure } from './openErrors.js';
import { resolveQueryTimeout } from './QueryBudget.js';
import { assertFerretTables } from './readerSchema.js';
import type { SpanReader } from './readerTypes.js';
import { SqliteSpanReader } from './SqliteSpanReader.js';
import { applicationIdOf, FERRET_APPLICATION_ID, schemaVersionOf } from './schema.js';

/** Options for {@link openSpanReader}. */
export interface OpenSpanReaderOptions {
  /**
   * Called with a one-line notice when the file could not be read in place and the reader reads
   * a private copy instead (a WAL database in a directory this process cannot write: SQLite needs
   * to create the `-shm` file next to it). Default: one `process.emitWarning` (code
   * `FERRET_STORE_PRIVATE_COPY`).
   */
  onWarning?: (message: string) => void;
  /**
   * Bound on each reader call, in ms (for `spans()`, on each step of the iterator): a call
   * still running past it stops with `FerretStoreError` `TOO_SLOW`, so a crafted or unexpectedly
   * huge file cannot stall the caller. A number > 0, at most 2³¹−1. Default 60,000 (a
   * 1,000,000-span analysis takes a few seconds).
   */
  queryTimeoutMs?: number;
}

/** Every key of {@link OpenSpanReaderOptions}: any other key is refused (a misspelt option). */
const OPEN_OPTION_KEYS = optionKeys<OpenSpanReaderOptions>({
  onWarning: true,
  queryTimeoutMs: true,
});

/**
 * Opens a Ferret database for reading. The file is opened read-only after its header was
 * checked, and is never modified. Its `runs`, `spans` and `counts` must be tables with the
 * columns Ferret writes (a view or a missing column is refused before any query runs).
 *
 * A WAL database in a directory this process cannot write (a file root or a container wrote,
 * read by a normal user) cannot be opened in place: SQLite must create its `-shm` file next to it.
 * The reader then copies the file (and its `-wal`, when there is one) to a private temporary
 * directory, reads the copy, and says so through `onWarning`. The copy is removed at once (the
 * open connection keeps it readable) or at `close()`.
 * @throws TypeError when `path` is not a non-empty string or an option has the wrong type.
 * @throws FerretStoreError `NOT_FOUND`, `PERMISSION` (not readable by this process), `EMPTY_FILE`,
 *   `NOT_FERRET`, `NEWER_SCHEMA`, `DAMAGED` (not the tables Ferret writes), `CORRUPT` (SQLite
 *   reports the file malformed), `IO_ERROR`. Every query method may throw `TOO_SLOW` (past
 *   `queryTimeoutMs`), besides the codes it documents.
 */
export function openSpanReader(path: string, options: OpenSpanReaderOptions = {}): SpanReader {
  if (typeof path !== 'string' || path.length === 0) {
    throw new TypeError(
      `Expected \`path\` to be a non-empty string, got ${typeof path === 'string' ? 'an empty string' : typeof path}`,
    );
  }
  assertOptionsObject('options', options);
  assertKnownOptions('openSpanReader', options, OPEN_OPTION_KEYS);
  const { onWarning = defaultOnWarning } = options;
  assertFunction('onWarning', onWarning);
  const queryTimeoutMs = resolveQueryTimeout(options.queryTimeoutMs);
  inspectDatabaseFile(path, { mustExist: true });
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    checkDatabase(path, db);
    return new SqliteSpanReader(path, db, queryTimeoutMs);
  } catch (error) {
    db?.close();
    if (!isSharedMemoryUnavailable(error)) throw openFailure(path, error, 'read');
    return openPrivateCopy(path, error, onWarning, queryTimeoutMs);
  }
}

/** The header, schema version and tables, read through the connection. */
function checkDatabase(path: string, db: Database.Database): void {
  // Nothing in the file's schema may call functions with side effects.
  db.pragma('trusted_schema = OFF');
  if (applicationIdOf(db) !== FERRET_APPLICATION_ID) {
    throw new FerretStoreError('NOT_FERRET', `${path} is not a Ferret span database`);
  }
  const version = schemaVersionOf(db);
  assertReadableVersion(path, version);
  // A version-0 file (marked, never migrated) has no tables at all: it is held to version 1.
  assertFerretTables(path, db, Math.max(version, 1));
}

/**
 * Reads a private copy of a WAL database whose `-shm` cannot be created. The copy is switched to
 * a rollback journal (folding in any `-wal`), so reading it needs no file beside it.
 */
function openPrivateCopy(
  path: string,
  cause: unknown,
  onWarning: (message: string) => void,
  queryTimeoutMs: number,
): SpanReader {
  let directory: string | undefined;
  let db: Database.Database | undefined;
  try {
    directory = mkdtempSync(join(tmpdir(), 'ferret-reader-'));
    const copy = join(directory, 'copy.db');
    copyFileSync(path, copy);
    // The copy keeps the original's mode: a read-only (0444) original would make a read-only
    // copy, which cannot be switched out of WAL mode below.
    chmodSync(copy, 0o600);
    if (existsSync(`${path}-wal`)) {
      copyFileSync(`${path}-wal`, `${copy}-wal`);
      chmodSync(`${copy}-wal`, 0o600);
    }
    const writable = new Database(copy, { fileMustExist: true });
    try {
      writable.pragma('journal_mode = DELETE');
    } finally {
      writable.close();
    }
    db = new Database(copy, { readonly: true, fileMustExist: true });
    checkDatabase(path, db);
  } catch (error) {
    db?.close();
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
    if (error instanceof FerretStoreError) throw error;
    // The copy failed too (no space, no temp dir): report why the file itself could not be read.
    throw openFailure(path, cause, 'read');
  }
  const megabytes = (statSync(path).size / 2 ** 20).toFixed(1);
  callSafely(
    onWarning,
    `${path}: its directory is not writable, so SQLite cannot create the ${path}-shm file a WAL database needs (${describeError(cause)}); reading a private copy (${megabytes} MiB) instead`,
  );
  let leftover: string | undefined = directory;
  try {
    // The open connection keeps the unlinked copy readable (POSIX); elsewhere, close() removes it.
    rmSync(directory, { recursive: true, force: true });
    leftover = undefined;
  } catch {
    // Removed at close().
  }
  return new SqliteSpanReader(path, db, queryTimeoutMs, () => {
    if (leftover !== undefined) rmSync(leftover, { recursive: true, force: true });
  });
}

function callSafely(onWarning: (message: string) => void, message: string): void {
  try {
    onWarning(message);
  } catch {
    // A throwing onWarning must not turn a readable file into a failure.
  }
}

function defaultOnWarning(message: string): void {
  process.emitWarning(message, { code: 'FERRET_STORE_PRIVATE_COPY' });
}
