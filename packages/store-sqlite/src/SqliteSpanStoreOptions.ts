import {
  assertBoolean,
  assertFunction,
  assertKnownOptions,
  assertOptionsObject,
  assertPositiveInteger,
  assertTimerMs,
  optionKeys,
} from '@ferret/internal';
import type { FerretStoreError } from './FerretStoreError.js';

/** Options for {@link SqliteSpanStore}. */
export interface SqliteSpanStoreOptions {
  /** Database file, created when missing; `':memory:'` for a private in-memory database. Required. */
  path: string;
  /**
   * Called with every write-side failure (a refused record, a failed transaction, a dropped
   * batch). Default: one `process.emitWarning` per error code. Errors never reach `write()`'s caller.
   */
  onError?: (error: FerretStoreError) => void;
  /** Write in a worker thread (true) or on the calling thread (false). Default: true for files, false for `':memory:'`. */
  worker?: boolean;
  /** How long a writer waits for another process's write lock (`PRAGMA busy_timeout`). Default 10000. */
  busyTimeoutMs?: number;
  /**
   * Most spans handed to the worker and not yet committed. Beyond it, new batches are dropped
   * (counted, reported) instead of queueing without bound. Default 200000.
   */
  maxPendingSpans?: number;
  /** Longest wait at process exit for the worker to commit what it was handed. Default 5000. */
  exitFlushTimeoutMs?: number;
}

/** Every key of {@link SqliteSpanStoreOptions}: any other key is refused (a misspelt option). @internal */
export const STORE_OPTION_KEYS = optionKeys<SqliteSpanStoreOptions>({
  path: true,
  onError: true,
  worker: true,
  busyTimeoutMs: true,
  maxPendingSpans: true,
  exitFlushTimeoutMs: true,
});

/** {@link SqliteSpanStoreOptions} checked, with every default filled in. @internal */
export interface ResolvedStoreOptions {
  path: string;
  onError: ((error: FerretStoreError) => void) | undefined;
  worker: boolean;
  busyTimeoutMs: number;
  maxPendingSpans: number;
  exitFlushTimeoutMs: number;
}

/**
 * Checks the options of a {@link SqliteSpanStore} and fills in the defaults.
 * @throws TypeError/RangeError naming the option.
 * @internal
 */
export function resolveStoreOptions(options: SqliteSpanStoreOptions): ResolvedStoreOptions {
  assertOptionsObject('options', options);
  assertKnownOptions('SqliteSpanStore', options, STORE_OPTION_KEYS);
  if (options === undefined)
    throw new TypeError('Expected `options` to be an object, got undefined');
  const { path } = options;
  if (typeof path !== 'string' || path.length === 0) {
    throw new TypeError(
      `Expected \`path\` to be a non-empty string, got ${typeof path === 'string' ? 'an empty string' : typeof path}`,
    );
  }
  const {
    onError,
    busyTimeoutMs = 10_000,
    maxPendingSpans = 200_000,
    exitFlushTimeoutMs = 5_000,
  } = options;
  if (onError !== undefined) assertFunction('onError', onError);
  assertTimerMs('busyTimeoutMs', busyTimeoutMs, { allowZero: true, integer: true });
  assertPositiveInteger('maxPendingSpans', maxPendingSpans);
  assertTimerMs('exitFlushTimeoutMs', exitFlushTimeoutMs, { allowZero: true, integer: true });
  const memory = path === ':memory:';
  const worker = options.worker ?? !memory;
  assertBoolean('worker', worker);
  if (memory && worker) {
    throw new RangeError(
      'Expected `worker` to be false for `:memory:` (a worker cannot share an in-memory database)',
    );
  }
  return { path, onError, worker, busyTimeoutMs, maxPendingSpans, exitFlushTimeoutMs };
}
