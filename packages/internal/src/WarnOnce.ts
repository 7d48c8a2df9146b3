/** Most distinct keys one {@link WarnOnce} remembers; later new keys are counted, not emitted. */
export const MAX_WARNED_KEYS = 256;

/**
 * Emits a `process.emitWarning` once per key (an error code, a variable name): the first
 * occurrence is reported, repeats are only counted. Bounded: after {@link MAX_WARNED_KEYS}
 * distinct keys, new keys are counted in {@link suppressed} and not emitted.
 */
export class WarnOnce {
  readonly #warned: Set<string>;
  #suppressed = 0;

  /** @param warned The keys already reported: its own set by default, or one shared with others. */
  constructor(warned: Set<string> = new Set()) {
    this.#warned = warned;
  }

  /**
   * Emits `message` with warning `code` unless `key` was already reported. Returns whether a
   * warning was emitted. Never throws.
   */
  warn(key: string, message: string, code: string): boolean {
    if (this.#warned.has(key) || this.#warned.size >= MAX_WARNED_KEYS) {
      this.#suppressed++;
      return false;
    }
    this.#warned.add(key);
    try {
      process.emitWarning(message, { code });
    } catch {
      // A warning listener that throws must not reach the caller.
    }
    return true;
  }

  /** Warnings not emitted because their key was already reported or the key table was full. */
  get suppressed(): number {
    return this.#suppressed;
  }

  /** `WarnOnce{keys=..., suppressed=...}`. */
  toString(): string {
    return `WarnOnce{keys=${this.#warned.size}, suppressed=${this.#suppressed}}`;
  }
}

/**
 * Hands `error` to `onError` when given (an `onError` that throws is ignored), else warns once
 * per `key` through `warnings` with warning `code` and `message` (default `error.message`). The one route every component takes for its
 * own failures, so that none of them ever throws into the host application.
 */
export function reportError<E extends Error>(
  error: E,
  onError: ((error: E) => void) | undefined,
  warnings: WarnOnce,
  key: string,
  code: string,
  message: string = error.message,
): void {
  if (onError !== undefined) {
    try {
      onError(error);
    } catch {
      // The error hook failing must not reach the application either.
    }
    return;
  }
  warnings.warn(key, message, code);
}
