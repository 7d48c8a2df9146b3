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

/**
 * SQL, over `counts`: true for a row the writer never writes. The writer stores whole numbers
 * from 0 with `calls = recorded + dropped` (the profiler's count records, `SpanWriter`'s checks).
 */
const BAD_COUNT_ROW = `(typeof(calls) <> 'integer' OR typeof(recorded) <> 'integer'
  OR typeof(dropped) <> 'integer' OR recorded < 0 OR dropped < 0 OR calls <> recorded + dropped)`;

/**
 * SQL columns over a group of `counts` rows: Σ calls, Σ recorded, Σ dropped and the number of
 * rows the writer never writes, the four values {@link RowChecker.countTotals} checks.
 */
export const COUNT_TOTALS_COLUMNS = `sum(calls), sum(recorded), sum(dropped), sum(${BAD_COUNT_ROW})`;

/** Calls of a count record or a sum of them, as the writer stores and the reader returns them. */
export interface CheckedCounts {
  calls: number;
  recorded: number;
  dropped: number;
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

  /**
   * The columns of a span row every pass over spans uses (name, start time, duration, status,
   * weight), with the messages of {@link text}, {@link number}, {@link integer} and
   * {@link weight}: type checks only, cheap enough for each of a million rows. Every reader path
   * over spans calls it, so a damaged row stops each view with the same one line.
   */
  spanRow(
    name: unknown,
    start: unknown,
    duration: unknown,
    status: unknown,
    weight: unknown,
  ): void {
    if (typeof name !== 'string') throw this.damaged('spans.name', name, 'text');
    if (!Number.isFinite(start)) throw this.damaged('spans.start_time', start, 'a number');
    if (!Number.isFinite(duration)) throw this.damaged('spans.duration', duration, 'a number');
    if (!Number.isSafeInteger(status)) throw this.damaged('spans.status', status, 'a whole number');
    if (!isStoredWeight(weight)) this.weight(weight, 'spans.weight');
  }

  /**
   * A count record (`bad` 0), or the sums of a group of them with the number of rows the writer
   * never writes (`bad`, from {@link COUNT_TOTALS_COLUMNS}): whole numbers from 0 to
   * `Number.MAX_SAFE_INTEGER` with `calls = recorded + dropped`, and no bad row.
   */
  countTotals(
    calls: unknown,
    recorded: unknown,
    dropped: unknown,
    bad: unknown = 0,
  ): CheckedCounts {
    if (
      bad === 0 &&
      isCount(calls) &&
      isCount(recorded) &&
      isCount(dropped) &&
      calls === recorded + dropped
    ) {
      return { calls, recorded, dropped };
    }
    return this.#badCounts();
  }

  #badCounts(): never {
    throw new FerretStoreError(
      'DAMAGED',
      `${this.#path} is damaged: counts holds a row whose calls, recorded and dropped are not whole numbers from 0 to ${Number.MAX_SAFE_INTEGER} with calls = recorded + dropped, as Ferret writes them`,
    );
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

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
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
