import type { AsyncLocalStorage } from 'node:async_hooks';
import { isPromise } from 'node:util/types';
import type { AnySpan } from './ProfilerSpan.js';
import { Span, type SpanOwner } from './Span.js';

// The intrinsic, so that a promise subclass overriding `then` is not asked to do anything more.
const promiseThen = Promise.prototype.then;

/** Runs a measured function with its span and ends the span. @internal */
export type CallAndEnd = (fn: (span: AnySpan) => unknown, span: Span) => unknown;

/**
 * The function `measure()` runs inside `als.run(span, ...)`: it calls `fn(span)` and ends the span
 * (through `owner._endSpan`) when `fn` returns, throws, or (a native promise) settles. The
 * settlement handlers are attached inside the span's context, so their reaction runs with the
 * span as the current store: two shared functions find it there, and a recorded call allocates
 * no closures of its own.
 *
 * Only a native promise is followed to its end. Another thenable is returned as a value, its span
 * ending now: calling a foreign `then` could start work a second time (query builders such as
 * Knex or Mongoose run their query in `then`).
 * @internal
 */
export function callAndEndFor(owner: SpanOwner, als: AsyncLocalStorage<AnySpan>): CallAndEnd {
  /** A measured promise fulfilled: ends the span current in the reaction. */
  const endCurrent = (): void => {
    const span = als.getStore();
    if (span instanceof Span) owner._endSpan(span, undefined);
  };

  /** A measured promise rejected: records the error on the current span and ends it. */
  const failCurrent = (error: unknown): void => {
    const span = als.getStore();
    if (span instanceof Span) {
      span.recordError(error);
      owner._endSpan(span, 'error');
    }
  };

  return (fn, span) => {
    let result: unknown;
    try {
      result = fn(span);
    } catch (error) {
      span.recordError(error);
      owner._endSpan(span, 'error');
      throw error;
    }
    if (isPromise(result)) {
      promiseThen.call(result, endCurrent, failCurrent);
      return result;
    }
    owner._endSpan(span, undefined);
    return result;
  };
}
