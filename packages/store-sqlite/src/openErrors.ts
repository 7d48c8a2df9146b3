// Why a database could not be opened, read or created, as an honest FerretStoreError code: a
// file this process may not read or write is not a corrupt file.
import { accessSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { describeError, FerretStoreError, type FerretStoreErrorCode } from './FerretStoreError.js';

/** What the caller was doing, for the message: `${path}: cannot ${action} (…)`. */
export type FileAction = 'open' | 'read' | 'create' | 'write to';

/**
 * Maps a failure to open, create or first read `path` to a {@link FerretStoreError}:
 * `NOT_FOUND` (file or directory missing), `PERMISSION` (this process may not read the file, or
 * may not create it), `READ_ONLY` (the file or its directory can be read but not written: a
 * read-only mount, a write-protected file or directory), `CORRUPT` (SQLite reports the file
 * malformed), else `IO_ERROR`. A FerretStoreError passes through unchanged.
 */
export function openFailure(path: string, error: unknown, action: FileAction): FerretStoreError {
  if (error instanceof FerretStoreError) return error;
  const code = classify(path, error);
  return new FerretStoreError(code, `${path}: cannot ${action} (${explain(code, path, error)})`, {
    cause: error,
  });
}

/** SQLite cannot make or use the `-shm` file a WAL database needs next to it. */
export function isSharedMemoryUnavailable(error: unknown): boolean {
  const code = errorCode(error);
  return (
    code === 'SQLITE_READONLY_DIRECTORY' ||
    code === 'SQLITE_READONLY_CANTINIT' ||
    code === 'SQLITE_CANTOPEN' ||
    code === 'SQLITE_READONLY_SHMMOVED'
  );
}

function classify(path: string, error: unknown): FerretStoreErrorCode {
  const code = errorCode(error);
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'NOT_FOUND';
    case 'EACCES':
    case 'EPERM':
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
      return 'PERMISSION';
    case 'EROFS':
      return 'READ_ONLY';
    case 'SQLITE_NOTADB':
      return 'CORRUPT';
  }
  if (code.startsWith('SQLITE_CORRUPT')) return 'CORRUPT';
  if (code.startsWith('SQLITE_READONLY')) return 'READ_ONLY';
  // better-sqlite3 checks the directory itself before SQLite sees the path.
  if (error instanceof TypeError && /directory does not exist/.test(error.message)) {
    return 'NOT_FOUND';
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    // SQLite does not say why; the file system does.
    if (!canAccess(path, constants.F_OK)) {
      // Nothing to open yet: creating it failed.
      if (!canAccess(dirname(path), constants.F_OK)) return 'NOT_FOUND';
      return canAccess(dirname(path), constants.W_OK) ? 'IO_ERROR' : 'PERMISSION';
    }
    if (!canAccess(path, constants.R_OK)) return 'PERMISSION';
    if (!canAccess(dirname(path), constants.W_OK) || !canAccess(path, constants.W_OK)) {
      return 'READ_ONLY';
    }
  }
  return 'IO_ERROR';
}

function explain(code: FerretStoreErrorCode, path: string, error: unknown): string {
  const detail = describeError(error);
  switch (code) {
    case 'PERMISSION':
      return `permission denied: ${detail}`;
    case 'READ_ONLY':
      return canAccess(dirname(path), constants.W_OK)
        ? `the file is read-only for this process: ${detail}`
        : `its directory is read-only for this process: ${detail}`;
    default:
      return detail;
  }
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function canAccess(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}
