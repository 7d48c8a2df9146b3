// The time bound of every reader query. better-sqlite3 cannot interrupt a running statement, so
// each statement's WHERE clause starts with {@link BUDGET}: for one visited row in 1,024 on
// average (SQLite's `random()` picks them, and `OR` skips the call for the others) it calls
// `ferret_budget()`, an application function that reads the clock and throws `TOO_SLOW` past the
// deadline, which aborts the statement from inside SQLite (an aggregate or a sort included).
// Calling JavaScript for every row cost about a third of a microsecond per row; the C-side test
// costs a few instructions.
import { assertTimerMs } from '@ferret/internal';
import type Database from 'better-sqlite3';
import { FerretStoreError } from './FerretStoreError.js';

/**
 * Default bound on one reader call (ms). A pass reads roughly 100,000–700,000 spans a second
 * (`ferret report` took 9 s per 1,000,000 spans on a loaded 2-core machine), so a run of more
 * than about 5,000,000 spans may need a larger bound.
 */
export const DEFAULT_QUERY_TIMEOUT_MS = 60_000;

/** The SQL function that reads the clock. */
const FUNCTION = 'ferret_budget';

/** Rows visited per `ferret_budget()` call, on average (a power of two). */
export const ROWS_PER_CHECK = 1024;

/**
 * The term to put first in a statement's WHERE clause (parenthesised, so `AND` can follow):
 * true without a call for most rows, `ferret_budget()` for one row in {@link ROWS_PER_CHECK}
 * at random. The rows are picked by SQLite's own generator, not by anything in the file, so a
 * crafted file cannot pick rows that skip the check.
 */
export const BUDGET = `((random() & ${ROWS_PER_CHECK - 1}) <> 0 OR ${FUNCTION}())`;

/**
 * Checks and defaults the reader's `queryTimeoutMs` option: a number > 0, at most
 * `MAX_TIMER_MS` (2^31 − 1 ms), checked by `assertTimerMs` as every Ferret duration is.
 */
export function resolveQueryTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_QUERY_TIMEOUT_MS;
  assertTimerMs('queryTimeoutMs', value);
  return value;
}

/**
 * One reader's deadline. {@link run} arms it for one reader call (nested calls share the outer
 * deadline); the statements' `ferret_budget()` calls enforce it.
 */
export class QueryBudget {
  readonly #path: string;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  #deadline = Number.POSITIVE_INFINITY;
  /** `ferret_budget()` calls in this reader call (each stands for about ROWS_PER_CHECK rows). */
  #checks = 0;
  #depth = 0;

  /** @param now - Monotonic clock in ms (tests inject one). */
  constructor(path: string, timeoutMs: number, now: () => number = () => performance.now()) {
    this.#path = path;
    this.#timeoutMs = timeoutMs;
    this.#now = now;
  }

  /** The bound on one reader call, ms. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** `ferret_budget()` calls in the current (or last) reader call. */
  get checks(): number {
    return this.#checks;
  }

  /** Registers `ferret_budget()` on the connection (callable from top-level statements only). */
  install(db: Database.Database): void {
    db.function(FUNCTION, { deterministic: false, directOnly: true, varargs: true }, this.tick);
  }

  /** Runs `work` as one bounded reader call (the outermost call arms the deadline). */
  run<T>(work: () => T): T {
    if (this.#depth === 0) {
      this.#checks = 0;
      this.#deadline = this.#now() + this.#timeoutMs;
    }
    this.#depth++;
    try {
      return work();
    } finally {
      this.#depth--;
      if (this.#depth === 0) this.#deadline = Number.POSITIVE_INFINITY;
    }
  }

  /** One check (about {@link ROWS_PER_CHECK} visited rows): 1, or `TOO_SLOW` past the deadline. */
  readonly tick = (): 1 => {
    this.#checks++;
    if (this.#now() > this.#deadline) {
      const rows = (this.#checks * ROWS_PER_CHECK).toLocaleString('en-US');
      throw new FerretStoreError(
        'TOO_SLOW',
        `${this.#path}: a query ran past its ${this.#timeoutMs} ms bound after visiting about ${rows} rows, and was stopped (a large run: raise queryTimeoutMs, or FERRET_QUERY_TIMEOUT_MS for the CLI, to wait longer; a damaged or crafted file can also make a query this slow)`,
      );
    }
    return 1;
  };
}
