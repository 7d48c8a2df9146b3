// Values read back from a database are untrusted: SQLite stores any type in any column, and a
// damaged or crafted file may hold text where Ferret writes numbers, or NULL where it never does.
// Each check returns the value with its type, or throws one line saying the file is damaged.
import { MAX_SAMPLING_WEIGHT } from '@ferret/internal';
import { FerretStoreError } from './FerretStoreError.js';

/**
 * True for a weight Ferret writes: a number from 1 to `MAX_SAMPLING_WEIGHT` (2^20, the bound
 * every tracestate weight is read with and the writer clamps to). A larger one only comes from
 * a crafted or damaged file, or from a file written before the bound by a trace with a forged
 * tracestate, and would make every estimate it touches meaningless.
 */
export function isStoredWeight(value: unknown): value is number {
  return typeof value === 'number' && value >= 1 && value <= MAX_SAMPLING_WEIGHT;
}

/** Checks one column's values as the reader reads them; the message names file and column. */
export class RowChecker {
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
  }

  text(value: unknown, column: string): string {
    if (typeof value === 'string') return value;
    throw this.damaged(column, value, 'text');
  }

  textOrNull(value: unknown, column: string): string | null {
    if (value === null || typeof value === 'string') return value;
    throw this.damaged(column, value, 'text or NULL');
  }

  number(value: unknown, column: string): number {
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    throw this.damaged(column, value, 'a number');
  }

  numberOrNull(value: unknown, column: string): number | null {
    if (value === null) return null;
    return this.number(value, column);
  }

  /** A span's weight: see {@link isStoredWeight}. */
  weight(value: unknown, column: string): number {
    if (isStoredWeight(value)) return value;
    throw this.damaged(column, value, `a weight from 1 to ${MAX_SAMPLING_WEIGHT}`);
  }

  integer(value: unknown, column: string): number {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
    throw this.damaged(column, value, 'a whole number');
  }

  integerOrNull(value: unknown, column: string): number | null {
    if (value === null) return null;
    return this.integer(value, column);
  }

  /** The error for a value of the wrong type (callers that check inline throw it themselves). */
  damaged(column: string, value: unknown, expected: string): FerretStoreError {
    return new FerretStoreError(
      'DAMAGED',
      `${this.#path} is damaged: ${column} holds ${describeValue(value)} where Ferret writes ${expected}`,
    );
  }

  /** A column whose text is not the JSON Ferret writes there. */
  badJson(column: string, expected: string): FerretStoreError {
    return new FerretStoreError(
      'DAMAGED',
      `${this.#path} is damaged: ${column} holds text that is not ${expected}`,
    );
  }
}

/** The kind of a stored value, never the value itself (it may be long or hold control characters). */
function describeValue(value: unknown): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a real number';
  if (typeof value === 'bigint') return 'an integer';
  if (value instanceof Uint8Array) return 'a blob';
  return typeof value;
}
