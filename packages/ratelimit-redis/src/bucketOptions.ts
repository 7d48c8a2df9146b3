import {
  assertKnownOptions,
  assertNumberAtLeast,
  assertPositiveNumber,
  describe,
  optionKeys,
} from '@ferret/internal';
import type { RedisScriptClient } from './runBucketScript.js';

/** Options every Redis-backed bucket takes. */
export interface RedisBucketOptions {
  /** A connected client (`new Redis(url)` from `ioredis`), owned by the caller. Required. */
  redis: RedisScriptClient;
  /** The Redis key holding the bucket (a hash). Every process sharing the budget uses the same key. Required. */
  key: string;
  /** Tokens added per second to the shared bucket (finite, fractional allowed). Required. */
  ratePerSecond: number;
  /** Most tokens the shared bucket holds: the burst. Default `max(1, ratePerSecond)`. */
  burst?: number;
  /** The same as `burst` (the older name); give one of the two. */
  capacity?: number;
}

/** Every key of {@link RedisBucketOptions} (a `RedisTokenBucket`'s options). */
const BUCKET_OPTION_KEYS = optionKeys<RedisBucketOptions>({
  redis: true,
  key: true,
  ratePerSecond: true,
  burst: true,
  capacity: true,
});

/** The checked essentials of {@link RedisBucketOptions}. */
export interface CheckedBucketOptions {
  redis: RedisScriptClient;
  key: string;
  ratePerSecond: number;
  capacity: number;
}

/**
 * Checks the options shared by the Redis buckets; throws a TypeError/RangeError naming the
 * option, and a TypeError for a key that is not in `known` (the options of `owner`, the class
 * being built: a misspelt option).
 */
export function checkBucketOptions(
  options: unknown,
  owner = 'RedisTokenBucket',
  known: readonly string[] = BUCKET_OPTION_KEYS,
): CheckedBucketOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `Expected \`options\` to be an object with \`redis\`, \`key\` and \`ratePerSecond\`, got ${describe(options)}`,
    );
  }
  assertKnownOptions(owner, options, known);
  const o = options as Partial<RedisBucketOptions>;
  const redis = checkRedis(o.redis);
  const key = checkKey('key', o.key);
  const { ratePerSecond, capacity } = checkRateAndBurst(o.ratePerSecond, o.burst, o.capacity);
  return { redis, key, ratePerSecond, capacity };
}

/** Throws unless `redis` has `evalsha` and `eval` (an `ioredis` client). */
export function checkRedis(redis: unknown): RedisScriptClient {
  if (
    redis === null ||
    typeof redis !== 'object' ||
    typeof (redis as RedisScriptClient).evalsha !== 'function' ||
    typeof (redis as RedisScriptClient).eval !== 'function'
  ) {
    throw new TypeError(
      `Expected \`redis\` to be a Redis client with evalsha() and eval() (an ioredis Redis), got ${describe(redis)}`,
    );
  }
  return redis as RedisScriptClient;
}

/** Throws unless `value` is a non-empty string. */
export function checkKey(option: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new TypeError(`Expected \`${option}\` to be a string, got ${describe(value)}`);
  }
  if (value.length === 0) throw new RangeError(`Expected \`${option}\` to be a non-empty string`);
  return value;
}

/**
 * Checks a finite rate >= 0 and a burst (given as `burst` or `capacity`, default
 * `max(1, ratePerSecond)`, at least 1 and finite). An infinite rate is refused: a shared bucket
 * that always grants needs no Redis.
 */
export function checkRateAndBurst(
  ratePerSecond: unknown,
  burst: unknown,
  capacity: unknown,
): { ratePerSecond: number; capacity: number } {
  assertPositiveNumber('ratePerSecond', ratePerSecond, { allowZero: true });
  if (burst !== undefined && capacity !== undefined) {
    throw new TypeError('Expected either `burst` or `capacity` (the same option), not both');
  }
  const option = burst !== undefined ? 'burst' : 'capacity';
  const resolved = burst ?? capacity ?? Math.max(1, ratePerSecond);
  assertNumberAtLeast(option, resolved, 1);
  return { ratePerSecond, capacity: resolved };
}
