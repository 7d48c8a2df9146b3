import { describe, expectTypeOf, it } from 'vitest';
import {
  KeyedRateLimiter,
  type KeyUsage,
  type RateBucket,
  type RateLimitDecision,
  type RateLimitEnvConfig,
  RateLimiter,
  type RefundableBucket,
  rateLimitConfigFromEnv,
  SharedTokenBucket,
  SlidingWindowLimiter,
  TokenBucket,
  tryTakeAll,
  withRateLimit,
} from '../src/index.js';

describe('public types', () => {
  it('buckets are interchangeable RateBuckets', () => {
    expectTypeOf<TokenBucket>().toExtend<RateBucket>();
    expectTypeOf<SharedTokenBucket>().toExtend<RateBucket>();
    expectTypeOf<SharedTokenBucket>().toExtend<RefundableBucket>();
    expectTypeOf<TokenBucket['tryTake']>().toEqualTypeOf<(n?: number) => boolean>();
    expectTypeOf<TokenBucket['forceTake']>().toEqualTypeOf<(n?: number) => void>();
    expectTypeOf<TokenBucket['setRate']>().toEqualTypeOf<
      (ratePerSecond: number, capacity?: number) => void
    >();
    expectTypeOf(SharedTokenBucket.from).parameter(0).toEqualTypeOf<SharedArrayBuffer>();
    expectTypeOf(tryTakeAll).returns.toEqualTypeOf<boolean>();
  });

  it('constructors require their essential options', () => {
    // @ts-expect-error ratePerSecond is required
    new TokenBucket({ capacity: 5 });
    // @ts-expect-error requestsPerSecond is required
    new RateLimiter({ burstSize: 5 });
    // @ts-expect-error windowMs is required
    new SlidingWindowLimiter({ limit: 5 });
    // @ts-expect-error a bucket take needs a RefundableBucket, not a number
    tryTakeAll([[1, 1]]);
  });

  it('limiters return decisions and usage', () => {
    const keyed = new KeyedRateLimiter({ ratePerSecond: 1 });
    expectTypeOf(keyed.check('k')).toEqualTypeOf<RateLimitDecision>();
    expectTypeOf(keyed.usage('k')).toEqualTypeOf<KeyUsage>();
    expectTypeOf<RateLimitDecision>().toEqualTypeOf<{
      allowed: boolean;
      retryAfterMs: number;
      remaining: number;
    }>();
    expectTypeOf(new RateLimiter({ requestsPerSecond: 1 }).acquire()).toEqualTypeOf<
      Promise<void>
    >();
  });

  it('the environment config is accepted by KeyedRateLimiter as is', () => {
    expectTypeOf(rateLimitConfigFromEnv()).toEqualTypeOf<RateLimitEnvConfig>();
    expectTypeOf(rateLimitConfigFromEnv()).toExtend<
      ConstructorParameters<typeof KeyedRateLimiter>[0]
    >();
  });

  it('withRateLimit keeps parameters and unwraps the result into a promise', () => {
    const wrapped = withRateLimit((a: number, b: string) => `${a}${b}`, { requestsPerSecond: 1 });
    expectTypeOf(wrapped).parameters.toEqualTypeOf<[number, string]>();
    expectTypeOf(wrapped).returns.toEqualTypeOf<Promise<string>>();
    const asyncWrapped = withRateLimit(async () => 42, {
      limiter: new RateLimiter({ requestsPerSecond: 1 }),
    });
    expectTypeOf(asyncWrapped).returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf(asyncWrapped.limiter).toEqualTypeOf<RateLimiter>();
  });
});
