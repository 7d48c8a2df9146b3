/** Failures closer together than this belong to one outage (reported once). */
export const OUTAGE_QUIET_MS = 60_000;

/**
 * Counts failures and reports the first of each outage through `onError`: a failure less than
 * {@link OUTAGE_QUIET_MS} after the previous one belongs to the same outage, so a flapping or
 * slow Redis is reported once, not at every call. A throwing `onError` is swallowed.
 */
export class OutageReporter {
  readonly #onError: ((error: Error) => void) | undefined;
  #lastFailureAt = Number.NEGATIVE_INFINITY;
  errors = 0;
  outages = 0;
  lastError: string | undefined;

  constructor(onError: ((error: Error) => void) | undefined) {
    this.#onError = onError;
  }

  /** Records `error`; returns the error as an `Error`. */
  fail(error: unknown): Error {
    this.errors++;
    const err = error instanceof Error ? error : new Error(String(error));
    this.lastError = err.message;
    const now = performance.now();
    const newOutage = now - this.#lastFailureAt >= OUTAGE_QUIET_MS;
    this.#lastFailureAt = now;
    if (newOutage) {
      this.outages++;
      try {
        this.#onError?.(err);
      } catch {
        // a throwing onError must not reach the host either
      }
    }
    return err;
  }

  /** e.g. `OutageReporter{errors=3, outages=1}`. */
  toString(): string {
    return `OutageReporter{errors=${this.errors}, outages=${this.outages}}`;
  }
}
