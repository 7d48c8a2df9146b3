/**
 * Rejection of `RateLimiter.acquire()` (and of functions wrapped by `withRateLimit`) when the
 * limiter does not wait (`waitOnLimit: false`) or its queue of waiters is full (`maxQueue`).
 *
 * @example
 * try { await limiter.acquire(); } catch (error) {
 *   if (error instanceof RateLimitExceededError) res.setHeader('Retry-After', Math.ceil(error.retryAfterMs / 1000));
 * }
 */
export class RateLimitExceededError extends Error {
  /** Milliseconds until the same request could succeed (`Infinity` if never, e.g. a zero rate). */
  readonly retryAfterMs: number;
  /** Why: no token now (`'limited'`), or too many callers already waiting (`'queue-full'`). */
  readonly reason: 'limited' | 'queue-full';

  constructor(retryAfterMs: number, reason: 'limited' | 'queue-full' = 'limited') {
    super(
      reason === 'queue-full'
        ? `Rate limit exceeded: the wait queue is full; retry in ${retryAfterMs} ms`
        : `Rate limit exceeded; retry in ${retryAfterMs} ms`,
    );
    this.name = 'RateLimitExceededError';
    this.retryAfterMs = retryAfterMs;
    this.reason = reason;
  }
}
