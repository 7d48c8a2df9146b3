// A misspelt option is refused with a TypeError naming it and the option it most likely meant,
// instead of being ignored while its default is used. Checked before Redis is called.
import { describe, expect, it } from 'vitest';
import { LeasedTokenBucket, RedisKeyedRateLimiter, RedisTokenBucket } from '../src/index.js';

const redis = {
  evalsha: () => Promise.reject(new Error('not called')),
  eval: () => Promise.reject(new Error('not called')),
} as never;

describe('the Redis limiters refuse a misspelt option', () => {
  it('RedisTokenBucket', () => {
    expect(
      () => new RedisTokenBucket({ redis, key: 'k', ratePerSecond: 1, brust: 5 } as never),
    ).toThrow(
      new TypeError(
        'Unknown option "brust" for RedisTokenBucket (did you mean `burst`?); known options: redis, key, ratePerSecond, burst, capacity',
      ),
    );
  });

  it('LeasedTokenBucket', () => {
    expect(
      () => new LeasedTokenBucket({ redis, key: 'k', ratePerSecond: 1, leasePeriod: 500 } as never),
    ).toThrow(
      /^Unknown option "leasePeriod" for LeasedTokenBucket \(did you mean `leasePeriodMs`\?\); known options: redis, key, ratePerSecond, burst, capacity, leaseSize, leaseFraction, leasePeriodMs, expectedReplicas, fallbackRatePerSecond, onError$/,
    );
  });

  it('RedisKeyedRateLimiter', () => {
    expect(
      () => new RedisKeyedRateLimiter({ redis, ratePerSecond: 1, timeout: 5 } as never),
    ).toThrow(/^Unknown option "timeout" for RedisKeyedRateLimiter \(did you mean `timeoutMs`\?\)/);
  });
});
