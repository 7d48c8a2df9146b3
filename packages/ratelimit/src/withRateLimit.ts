import { RateLimiter, type RateLimiterOptions } from './RateLimiter.js';
import { assertKnownOptions } from './validate.js';

/** A function wrapped by {@link withRateLimit}: same arguments, always async, and its limiter. */
export type RateLimitedFunction<A extends unknown[], R> = ((...args: A) => Promise<Awaited<R>>) & {
  /** The limiter the wrapper acquires from (shared when one was passed in). */
  readonly limiter: RateLimiter;
};

/**
 * Wraps a sync or async function so that each call first acquires a token. Pass
 * `{ limiter }` to let several functions share one budget, or limiter options to give this one its
 * own. Arguments, `this` and the result (or error) pass through unchanged; the wrapper always
 * returns a promise. With `waitOnLimit: false` a call over the limit rejects with
 * `RateLimitExceededError` and `fn` is not called.
 *
 * @example
 * const limiter = new RateLimiter({ requestsPerSecond: 10 });
 * const getUser = withRateLimit(api.getUser, { limiter });
 * const getOrder = withRateLimit(api.getOrder, { limiter }); // same 10/s budget
 */
export function withRateLimit<A extends unknown[], R>(
  fn: (...args: A) => R,
  options: RateLimiterOptions | { limiter: RateLimiter },
): RateLimitedFunction<A, R> {
  if (typeof fn !== 'function')
    throw new TypeError(`Expected \`fn\` to be a function, got ${typeof fn}`);
  if (options === null || typeof options !== 'object') {
    throw new TypeError('Expected `options` to be RateLimiter options or `{ limiter }`');
  }
  let limiter: RateLimiter;
  if ('limiter' in options) {
    assertKnownOptions('withRateLimit', options, ['limiter']);
    if (!(options.limiter instanceof RateLimiter)) {
      throw new TypeError('Expected `options.limiter` to be a RateLimiter');
    }
    limiter = options.limiter;
  } else {
    limiter = new RateLimiter(options);
  }
  const wrapped = async function (this: unknown, ...args: A): Promise<Awaited<R>> {
    await limiter.acquire();
    return await fn.apply(this, args);
  };
  Object.defineProperty(wrapped, 'limiter', { value: limiter, enumerable: true });
  return wrapped as RateLimitedFunction<A, R>;
}
