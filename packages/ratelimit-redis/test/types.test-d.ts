import type { RateBucket, RateLimitDecision } from '@ferret/ratelimit';
import type { Redis } from 'ioredis';
import { describe, expectTypeOf, it } from 'vitest';
import type {
  LeasedTokenBucket,
  LeasedTokenBucketStats,
  LeaseMode,
  RedisKeyedLimiterStats,
  RedisKeyedRateLimiter,
  RedisScriptClient,
  RedisTakeResult,
  RedisTokenBucket,
} from '../src/index.js';

describe('@ferret/ratelimit-redis types', () => {
  it('an ioredis client is a RedisScriptClient', () => {
    expectTypeOf<Redis>().toExtend<RedisScriptClient>();
  });

  it('LeasedTokenBucket is a synchronous RateBucket with a named stats() snapshot', () => {
    expectTypeOf<LeasedTokenBucket>().toExtend<RateBucket>();
    expectTypeOf<LeasedTokenBucket['tryTake']>().returns.toEqualTypeOf<boolean>();
    expectTypeOf<LeasedTokenBucket['stats']>().returns.toEqualTypeOf<LeasedTokenBucketStats>();
    expectTypeOf<LeasedTokenBucket['mode']>().toEqualTypeOf<LeaseMode>();
  });

  it('the shared bucket and the keyed limiter answer asynchronously', () => {
    expectTypeOf<RedisTokenBucket['take']>().returns.toEqualTypeOf<Promise<RedisTakeResult>>();
    expectTypeOf<RedisKeyedRateLimiter['check']>().returns.toEqualTypeOf<
      Promise<RateLimitDecision>
    >();
    expectTypeOf<RedisKeyedRateLimiter['stats']>().returns.toEqualTypeOf<RedisKeyedLimiterStats>();
  });
});
