// @ferret/ratelimit-redis against its anchors, in one run, on a redis-server this scenario starts
// (127.0.0.1, a free port, no persistence). Goals (issue 15): LeasedTokenBucket.tryTake() <= 1.5x
// TokenBucket.tryTake() (the hot path stays local); RedisKeyedRateLimiter.check() at least as fast
// as rate-limiter-flexible's RateLimiterRedis.consume() against the same Redis.
import { TokenBucket } from '@ferret/ratelimit';
import { LeasedTokenBucket, RedisKeyedRateLimiter } from '@ferret/ratelimit-redis';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { RedisServer } from '../../packages/ratelimit-redis/test/helpers/RedisServer.js';
import { scenario } from '../harness.js';

// A budget the loops never exhaust, so every case measures the granting path.
const RATE = 1e9;
const BURST = 1e9;
const KEYS = Array.from({ length: 1000 }, (_, i) => `client-${i}`);

await scenario(
  'Fleet budgets in Redis: LeasedTokenBucket, RedisKeyedRateLimiter',
  async (report) => {
    const server = await RedisServer.start();
    const redis = new Redis(server.url);
    try {
      const local = new TokenBucket({ ratePerSecond: RATE, burst: BURST });
      const leased = new LeasedTokenBucket({
        redis,
        key: 'bench:leased',
        ratePerSecond: RATE,
        burst: BURST,
        leaseSize: 1e8,
        leasePeriodMs: 60_000,
      });
      // Fill the local supply: a burst of demand makes the next leases as large as allowed.
      // timeSync runs without returning to the event loop, so the supply must cover every call.
      for (let round = 0; round < 2000 && leased.available() < 5e7; round++) {
        for (let i = 0; i < 1_000_000; i++) leased.tryTake();
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      if (leased.available() < 5e7) throw new Error(`no lease held: ${String(leased)}`);
      const sync = report.timeSync({
        'anchor:TokenBucket.tryTake()': () => local.tryTake(),
        'LeasedTokenBucket.tryTake()': () => leased.tryTake(),
      });
      report.ratio(
        'LeasedTokenBucket.tryTake() / TokenBucket.tryTake()',
        sync['LeasedTokenBucket.tryTake()']!,
        sync['TokenBucket.tryTake()']!,
        '<=',
        1.5,
      );
      await leased.close();

      const ours = new RedisKeyedRateLimiter({
        redis,
        prefix: 'bench:ours:',
        ratePerSecond: RATE,
        burst: BURST,
      });
      const theirs = new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: 'bench:flexible',
        points: 2 ** 30,
        duration: 1000,
      });
      let a = 0;
      let b = 0;
      const async = await report.timeAsync(
        {
          'anchor:rate-limiter-flexible RateLimiterRedis.consume(key)': () =>
            theirs.consume(KEYS[a++ % KEYS.length]!),
          'RedisKeyedRateLimiter.check(key)': () => ours.check(KEYS[b++ % KEYS.length]!),
        },
        { samples: 15 },
      );
      report.ratio(
        'RedisKeyedRateLimiter.check / RateLimiterRedis.consume',
        async['RedisKeyedRateLimiter.check(key)']!,
        async['rate-limiter-flexible RateLimiterRedis.consume(key)']!,
        '<=',
        1,
      );
      report.note(
        'One local redis-server (7.x) on 127.0.0.1, one ioredis client, calls awaited one at a time over 1,000 keys. Both are one round trip: RedisKeyedRateLimiter.check runs one EVALSHA (refill from TIME, take, count, expire); RateLimiterRedis.consume runs its own Lua script (SET NX, INCRBY, PTTL), a fixed window rather than a token bucket.',
      );
    } finally {
      redis.disconnect();
      await server.stop();
    }
  },
);
