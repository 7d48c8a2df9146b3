/** What went wrong, as a stable code the CLI (or any caller) can switch on. */
export type FerretStoreErrorCode =
  | 'NOT_FOUND'
  | 'PERMISSION'
  | 'READ_ONLY'
  | 'NOT_FERRET'
  | 'NEWER_SCHEMA'
  | 'EMPTY_FILE'
  | 'CORRUPT'
  | 'DAMAGED'
  | 'TOO_SLOW'
  | 'IO_ERROR'
  | 'FILE_REPLACED'
  | 'UNKNOWN_RUN'
  | 'NO_RUNS'
  | 'INVALID_ARGUMENT'
  | 'WRITE_FAILED'
  | 'DROPPED'
  | 'AMBIGUOUS_RUN';

/**
 * Thrown for every problem with a database file or a query argument, and handed to `onError` for
 * write-side failures. `message` is one clear line that names the file or argument, fit to print
 * as is (no stack trace needed).
 */
export class FerretStoreError extends Error {
  override readonly name = 'FerretStoreError';

  /**
   * @param code - Stable machine-readable reason.
   * @param message - One line, naming the file or argument.
   * @param options - `cause`: the underlying error, when there is one.
   */
  constructor(
    readonly code: FerretStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The message of an unknown thrown value, on one line. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, ' ');
}
