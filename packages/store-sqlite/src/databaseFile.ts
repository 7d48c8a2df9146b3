// Checks a database file from its raw header before anything opens it, and creates new files
// atomically. Opening an arbitrary file read-write with SQLite can rewrite it (a hot journal is
// rolled back, WAL mode is switched on), so a file is only ever opened after its first 100 bytes
// say it is a Ferret database of a schema this version understands.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  copyFileSync,
  linkSync,
  openSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import Database from 'better-sqlite3';
import { FerretStoreError } from './FerretStoreError.js';
import { openFailure } from './openErrors.js';
import { FERRET_APPLICATION_ID, migrate, SCHEMA_VERSION } from './schema.js';

const SQLITE_MAGIC = 'SQLite format 3\0';
const HEADER_BYTES = 100;

/** What {@link inspectDatabaseFile} found at a path. */
export type DatabaseFileState = { kind: 'missing' } | { kind: 'ferret'; schemaVersion: number };

/**
 * Classifies the file at `path` from its header without opening it with SQLite.
 * @throws FerretStoreError `EMPTY_FILE`, `NOT_FERRET` (not SQLite, or SQLite of another
 *   application), `NEWER_SCHEMA`, `PERMISSION` (not readable), or `NOT_FOUND` when `mustExist`.
 */
export function inspectDatabaseFile(path: string, { mustExist = false } = {}): DatabaseFileState {
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      throw new FerretStoreError('NOT_FERRET', `${path} is a directory, not a Ferret database`);
    }
    if (!stat.isFile()) {
      // A device, pipe or socket (/dev/zero) reports no size, or an endless one.
      throw new FerretStoreError(
        'NOT_FERRET',
        `${path} is not a regular file (a device, pipe or socket), not a Ferret database`,
      );
    }
    size = stat.size;
  } catch (error) {
    if (error instanceof FerretStoreError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      if (mustExist) throw new FerretStoreError('NOT_FOUND', `${path}: no such file`);
      return { kind: 'missing' };
    }
    throw openFailure(path, error, 'read');
  }
  if (size === 0) {
    throw new FerretStoreError('EMPTY_FILE', `${path} is an empty file, not a Ferret database`);
  }
  let header: Buffer;
  try {
    header = readHeader(path);
  } catch (error) {
    throw openFailure(path, error, 'read');
  }
  if (header.length < HEADER_BYTES || header.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
    throw new FerretStoreError(
      'NOT_FERRET',
      `${path} is not a SQLite database (unrecognised header)`,
    );
  }
  const applicationId = header.readUInt32BE(68);
  const schemaVersion = header.readUInt32BE(60);
  if (applicationId !== FERRET_APPLICATION_ID) {
    throw new FerretStoreError(
      'NOT_FERRET',
      `${path} is a SQLite database but not a Ferret span database (application_id ${applicationId})`,
    );
  }
  assertReadableVersion(path, schemaVersion);
  return { kind: 'ferret', schemaVersion };
}

/** @throws FerretStoreError `NEWER_SCHEMA` when `version` is beyond what this package knows. */
export function assertReadableVersion(path: string, version: number): void {
  if (version > SCHEMA_VERSION) {
    throw new FerretStoreError(
      'NEWER_SCHEMA',
      `${path} was written by a newer Ferret (schema version ${version}; this @ferret/store-sqlite reads up to ${SCHEMA_VERSION}); upgrade @ferret/store-sqlite`,
    );
  }
}

/**
 * Creates a Ferret database at `path` unless one appears there first. The schema is built in a
 * private temporary file which is then hard-linked into place: `link` never replaces an existing
 * file, so concurrent creators (cluster workers) race safely and nobody ever sees a half-built
 * file at `path`. Returns true when this call created the file.
 */
export function createDatabaseFile(path: string): boolean {
  const temporary = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.creating`;
  try {
    const db = new Database(temporary);
    try {
      db.pragma('journal_mode = WAL');
      migrate(db);
    } finally {
      // Closing the only connection checkpoints the WAL into the main file and removes it.
      db.close();
    }
    try {
      linkSync(temporary, path);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') {
        // File systems without hard links: an exclusive copy still never overwrites.
        try {
          copyFileSync(temporary, path, constants.COPYFILE_EXCL);
          return true;
        } catch (copyError) {
          if ((copyError as NodeJS.ErrnoException).code === 'EEXIST') return false;
          throw copyError;
        }
      }
      throw error;
    }
  } finally {
    for (const suffix of ['', '-wal', '-shm', '-journal'])
      rmSync(temporary + suffix, { force: true });
  }
}

function readHeader(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    const read = readSync(fd, buffer, 0, HEADER_BYTES, 0);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}
