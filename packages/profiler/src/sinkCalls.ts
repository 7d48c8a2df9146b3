/** Promise helpers shared by the code that calls sinks (the flusher, `TeeSink`). @internal */

/** What a timed-out sink call rejects with (never reaches a caller of the profiler). */
export const TIMED_OUT: unique symbol = Symbol('sink call timed out');

/** Resolves on the next `setImmediate` turn. */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** True for anything with a callable `then` (a sink may return any thenable). */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** `keepAlive`: during close() the timer holds the process open so that close() always returns. */
export function withTimeout(
  promise: PromiseLike<unknown>,
  ms: number,
  keepAlive: boolean,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(TIMED_OUT), ms);
    if (!keepAlive) timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Resolves `true` if `promise` settles within `ms`, else `false` (the promise is left running). */
export function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms); // ref'd: close() must return
    promise.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

/** An error's message, or a placeholder when describing it throws. */
export function message(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return '(unprintable error)';
  }
}
