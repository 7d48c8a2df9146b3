/**
 * `@ferret/ratelimit`: zero-dependency rate limiting shared by the Ferret profiler, its
 * OpenTelemetry sampler and applications.
 *
 * - {@link TokenBucket}: a lazily refilled bucket (the hot-path primitive).
 * - {@link SharedTokenBucket}: one budget shared by `worker_threads` (lock-free, `Atomics`).
 * - {@link tryTakeAll}: all-or-nothing take across several buckets.
 * - {@link RateLimiter} and {@link withRateLimit}: waiting, first-come-first-served throttling.
 * - {@link KeyedRateLimiter}: a bucket per key with bounded memory; {@link SlidingWindowLimiter}:
 *   at most N per window per key.
 * - {@link rateLimitConfigFromEnv}: `RATE_LIMIT_*` variables, never throwing.
 * - Counters readable in code and exported as OpenTelemetry metrics when a MeterProvider is
 *   registered ({@link reportRateLimitMetrics}).
 * @packageDocumentation
 */
export { type Clock, monotonicClock } from './clock.js';
export {
  type KeyedLimiterStats,
  KeyedRateLimiter,
  type KeyedRateLimiterOptions,
  type KeyLimit,
  type KeyUsage,
  type RateLimitDecision,
} from './KeyedRateLimiter.js';
export { RateLimitExceededError } from './RateLimitExceededError.js';
export {
  type AcquireOptions,
  RateLimiter,
  type RateLimiterOptions,
  type RateLimiterStats,
} from './RateLimiter.js';
export { type MeterProviderLike, reportRateLimitMetrics } from './RateLimitMetrics.js';
export {
  RATE_LIMIT_ENV_DEFAULTS,
  type RateLimitEnvConfig,
  rateLimitConfigFromEnv,
} from './rateLimitConfigFromEnv.js';
export {
  SharedTokenBucket,
  type SharedTokenBucketAttachOptions,
  type SharedTokenBucketOptions,
  sharedClock,
} from './SharedTokenBucket.js';
export {
  SlidingWindowLimiter,
  type SlidingWindowLimiterOptions,
  type WindowUsage,
} from './SlidingWindowLimiter.js';
export {
  type RateBucket,
  type RefundableBucket,
  TokenBucket,
  type TokenBucketOptions,
} from './TokenBucket.js';
export { type BucketTake, tryTakeAll } from './tryTakeAll.js';
export { type RateLimitedFunction, withRateLimit } from './withRateLimit.js';
