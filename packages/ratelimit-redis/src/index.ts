/**
 * `@ferret/ratelimit-redis`: one rate budget for a whole fleet, kept in Redis.
 *
 * - {@link RedisTokenBucket}: a token bucket in Redis, refilled from the server's clock and taken
 *   atomically by one Lua script; `take(n)` for cold paths.
 * - {@link LeasedTokenBucket}: the same budget with a synchronous, local `tryTake()` (a
 *   `RateBucket`, so `Profiler({ bucket })` and `RateLimitingSampler({ bucket })` take it):
 *   tokens are leased in the background, and a local share takes over while Redis is away.
 * - {@link RedisKeyedRateLimiter}: `KeyedRateLimiter`'s API with its state in Redis.
 * @packageDocumentation
 */
export type { RedisBucketOptions } from './bucketOptions.js';
export {
  FLEET_BUDGET_ENV_DEFAULTS,
  type FleetBudgetEnvConfig,
  fleetBudgetConfigFromEnv,
} from './fleetBudgetConfigFromEnv.js';
export {
  LeasedTokenBucket,
  type LeasedTokenBucketStats,
  type LeaseMode,
} from './LeasedTokenBucket.js';
export type { LeasedTokenBucketOptions } from './leaseOptions.js';
export {
  type RedisKeyedLimiterStats,
  RedisKeyedRateLimiter,
  type RedisKeyedRateLimiterOptions,
} from './RedisKeyedRateLimiter.js';
export {
  type RedisLeaseOptions,
  type RedisLeaseResult,
  type RedisTakeResult,
  RedisTokenBucket,
  type RedisTokenBucketOptions,
} from './RedisTokenBucket.js';
export type { RedisScriptClient } from './runBucketScript.js';
