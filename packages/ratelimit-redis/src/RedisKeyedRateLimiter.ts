import {
  assertBoolean,
  assertFunction,
  assertIntegerAtLeast,
  assertKeyLengthBound,
  assertKnownOptions,
  assertTakeCount,
  assertTimerMs,
  boundedKey,
  DEFAULT_MAX_KEY_LENGTH,
  describe,
  optionKeys,
} from '@ferret/internal';
import {
  KeyedRateLimiter,
  type KeyLimit,
  type KeyUsage,
  type RateLimitDecision,
} from '@ferret/ratelimit';
import { checkKey, checkRateAndBurst, checkRedis } from './bucketOptions.js';
import { OutageReporter } from './OutageReporter.js';
import { type BucketReply, type RedisScriptClient, runBucketScript } from './runBucketScript.js';

/** Options for {@link RedisKeyedRateLimiter}. */
export interface RedisKeyedRateLimiterOptions {
  /** A connected client (`new Redis(url)` from `ioredis`), owned by the caller. Required. */
  redis: RedisScriptClient;
  /** Prefix of every key's Redis key. Default `ferret:rl:`. */
  prefix?: string;
  /** Tokens added per second to each key's bucket (finite, fractional allowed). Required. */
  ratePerSecond: number;
  /** Burst per key. Default `max(1, ratePerSecond)`. */
  burst?: number;
  /** The same as `burst` (the older name). */
  capacity?: number;
  /** Keys longer than this are stored as a 64-character prefix and a SHA-256 hash. Default 256, at least 128. */
  maxKeyLength?: number;
  /** `false` allows every check (shadow mode) while still counting in Redis. Default `true`. */
  enabled?: boolean;
  /** A check not answered by Redis within this is decided locally. Default 1000. */
  timeoutMs?: number;
  /** Instances sharing the limits; while Redis is unreachable each one allows `1 / expectedReplicas` of every rate. Default 1. */
  expectedReplicas?: number;
  /** Called once per outage with the first Redis error. */
  onError?: (error: Error) => void;
}

/** Every key of {@link RedisKeyedRateLimiterOptions}: any other key is refused (a misspelt option). */
const REDIS_KEYED_RATE_LIMITER_OPTION_KEYS = optionKeys<RedisKeyedRateLimiterOptions>({
  redis: true,
  prefix: true,
  ratePerSecond: true,
  burst: true,
  capacity: true,
  maxKeyLength: true,
  enabled: true,
  timeoutMs: true,
  expectedReplicas: true,
  onError: true,
});

/** Totals of a {@link RedisKeyedRateLimiter} instance. */
export interface RedisKeyedLimiterStats {
  /** Checks made through this instance. */
  requests: number;
  /** Checks refused (or, while disabled, that would have been). */
  limited: number;
  /** Checks decided locally because Redis failed or was slow. */
  localChecks: number;
  /** Failed or timed-out Redis calls. */
  errors: number;
  /** Outages (runs of failures less than a minute apart), each reported once through `onError`. */
  outages: number;
}

const DEFAULT_PREFIX = 'ferret:rl:';
const DEFAULT_TIMEOUT_MS = 1000;

/**
 * `KeyedRateLimiter`'s API (`check`, `usage`, `configure`) with every key's bucket in Redis, so
 * all instances of a service enforce one limit per client, route or line item. Each check is
 * one round trip running the same Lua script as {@link RedisTokenBucket}; refills use the
 * server's clock. Idle keys expire once their bucket would be full again, so Redis holds only
 * keys active within one refill period. Long client keys are hashed (`maxKeyLength`).
 *
 * When Redis fails or takes longer than `timeoutMs`, the check is decided by a local
 * `KeyedRateLimiter` allowing `1 / expectedReplicas` of each rate, and the error is reported
 * once per outage through `onError`: checks never reject because of Redis.
 *
 * @example
 * const limiter = new RedisKeyedRateLimiter({ redis, ratePerSecond: 5, burst: 10, expectedReplicas: 4 });
 * const { allowed, retryAfterMs } = await limiter.check(clientIp);
 * if (!allowed) res.writeHead(429, { 'Retry-After': Math.ceil(retryAfterMs / 1000) });
 */
export class RedisKeyedRateLimiter {
  readonly #redis: RedisScriptClient;
  readonly #prefix: string;
  readonly #rate: number;
  readonly #capacity: number;
  readonly #maxKeyLength: number;
  readonly #timeoutMs: number;
  readonly #expectedReplicas: number;
  readonly #overrides = new Map<string, { ratePerSecond: number; capacity: number }>();
  readonly #local: KeyedRateLimiter;
  readonly #reporter: OutageReporter;
  #enabled: boolean;
  #requests = 0;
  #limited = 0;
  #localChecks = 0;

  /** @throws TypeError/RangeError naming the option when an option is missing or invalid. */
  constructor(options: RedisKeyedRateLimiterOptions) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(
        `Expected \`options\` to be an object with \`redis\` and \`ratePerSecond\`, got ${describe(options)}`,
      );
    }
    assertKnownOptions('RedisKeyedRateLimiter', options, REDIS_KEYED_RATE_LIMITER_OPTION_KEYS);
    const {
      prefix = DEFAULT_PREFIX,
      maxKeyLength = DEFAULT_MAX_KEY_LENGTH,
      enabled = true,
      timeoutMs = DEFAULT_TIMEOUT_MS,
      expectedReplicas = 1,
      onError,
    } = options;
    this.#redis = checkRedis(options.redis);
    if (typeof prefix !== 'string') {
      throw new TypeError(`Expected \`prefix\` to be a string, got ${describe(prefix)}`);
    }
    const { ratePerSecond, capacity } = checkRateAndBurst(
      options.ratePerSecond,
      options.burst,
      options.capacity,
    );
    assertKeyLengthBound(maxKeyLength);
    assertBoolean('enabled', enabled);
    assertTimerMs('timeoutMs', timeoutMs, { min: 1 });
    assertIntegerAtLeast('expectedReplicas', expectedReplicas, 1);
    if (onError !== undefined) assertFunction('onError', onError);
    this.#prefix = prefix;
    this.#rate = ratePerSecond;
    this.#capacity = capacity;
    this.#maxKeyLength = maxKeyLength;
    this.#timeoutMs = timeoutMs;
    this.#expectedReplicas = expectedReplicas;
    this.#enabled = enabled;
    this.#reporter = new OutageReporter(onError);
    this.#local = new KeyedRateLimiter({
      ratePerSecond: ratePerSecond / expectedReplicas,
      burst: Math.max(1, capacity / expectedReplicas),
      maxKeyLength,
      enabled,
      metrics: false,
    });
  }

  /** Whether checks are enforced. `false` allows every check while counting on. */
  get enabled(): boolean {
    return this.#enabled;
  }

  set enabled(value: boolean) {
    assertBoolean('enabled', value);
    this.#enabled = value;
    this.#local.enabled = value;
  }

  /**
   * Takes `tokens` (default 1) from `key`'s shared bucket if they are all there; a refused check
   * consumes nothing. Never rejects because of Redis (see the class description).
   * @throws TypeError/RangeError (synchronously) for a key that is not a string, or a bad `tokens`.
   */
  check(key: string, tokens = 1): Promise<RateLimitDecision> {
    const stored = this.#storedKey(key);
    const limit = this.#limitOf(key);
    assertTakeCount(tokens, limit.capacity, 'for a key of burst');
    this.#requests++;
    return this.#call(stored, limit, tokens, true).then(
      (reply) => {
        const allowed = reply.granted === tokens;
        if (!allowed) this.#limited++;
        if (allowed || !this.#enabled) {
          return { allowed: true, retryAfterMs: 0, remaining: Math.floor(reply.tokens) };
        }
        return {
          allowed: false,
          retryAfterMs: reply.retryAfterMs,
          remaining: Math.floor(reply.tokens),
        };
      },
      (error: unknown) => {
        this.#reporter.fail(error);
        this.#localChecks++;
        const decision = this.#local.check(key, tokens);
        if (!decision.allowed) this.#limited++;
        return decision;
      },
    );
  }

  /**
   * Counters (in Redis, since the key last became active) and the balance of `key`. A key
   * unknown to Redis reads as fresh. While Redis is unreachable: the local view.
   */
  async usage(key: string): Promise<KeyUsage> {
    const stored = this.#storedKey(key);
    try {
      const reply = await this.#call(stored, this.#limitOf(key), 0, false);
      return { requests: reply.requests, limited: reply.limited, tokens: reply.tokens };
    } catch (error) {
      this.#reporter.fail(error);
      return this.#local.usage(key);
    }
  }

  /**
   * Sets a rate and burst for one key on this instance (configure every instance alike, as with
   * the constructor options). The key keeps its balance in Redis, clamped to the new burst.
   */
  configure(key: string, limit: KeyLimit): void {
    this.#storedKey(key);
    if (limit === null || typeof limit !== 'object') {
      throw new TypeError(`Expected \`limit\` to be an object, got ${describe(limit)}`);
    }
    const checked = checkRateAndBurst(limit.ratePerSecond, limit.burst, limit.capacity);
    this.#overrides.set(key, checked);
    this.#local.configure(key, {
      ratePerSecond: checked.ratePerSecond / this.#expectedReplicas,
      burst: Math.max(1, checked.capacity / this.#expectedReplicas),
    });
  }

  /** Removes `key`'s override on this instance. */
  removeOverride(key: string): boolean {
    this.#local.removeOverride(key);
    return this.#overrides.delete(key);
  }

  /** Forgets `key` in Redis (it comes back fresh); resolves whether it was there. Rejects with the client's error. */
  async delete(key: string): Promise<boolean> {
    const stored = this.#storedKey(key);
    return Number(await this.#redis.eval("return redis.call('DEL', KEYS[1])", 1, stored)) === 1;
  }

  /** Totals of this instance. */
  stats(): RedisKeyedLimiterStats {
    return {
      requests: this.#requests,
      limited: this.#limited,
      localChecks: this.#localChecks,
      errors: this.#reporter.errors,
      outages: this.#reporter.outages,
    };
  }

  /**
   * e.g. `RedisKeyedRateLimiter{prefix="ferret:rl:", ratePerSecond=5, burst=10, maxKeyLength=256,
   * timeoutMs=1000, enabled=true}`.
   */
  toString(): string {
    return `RedisKeyedRateLimiter{prefix=${JSON.stringify(this.#prefix)}, ratePerSecond=${this.#rate}, burst=${this.#capacity}, maxKeyLength=${this.#maxKeyLength}, timeoutMs=${this.#timeoutMs}, enabled=${this.#enabled}}`;
  }

  #limitOf(key: string): { ratePerSecond: number; capacity: number } {
    return (
      (this.#overrides.size === 0 ? undefined : this.#overrides.get(key)) ?? {
        ratePerSecond: this.#rate,
        capacity: this.#capacity,
      }
    );
  }

  /** The Redis key of a client key: long keys become a prefix and a SHA-256 hash. */
  #storedKey(key: string): string {
    checkKey('key', key);
    return this.#prefix + (key.length <= this.#maxKeyLength ? key : boundedKey(key));
  }

  /** One script call, or a rejection after `timeoutMs`. */
  #call(
    stored: string,
    limit: { ratePerSecond: number; capacity: number },
    take: number,
    count: boolean,
  ): Promise<BucketReply> {
    return new Promise<BucketReply>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
      timer.unref();
      let call: Promise<BucketReply>;
      try {
        call = runBucketScript(this.#redis, stored, {
          ratePerSecond: limit.ratePerSecond,
          capacity: limit.capacity,
          take,
          partial: false,
          adjust: 0,
          initialTokens: limit.capacity,
          expire: true,
          count,
        });
      } catch (error) {
        call = Promise.reject(error);
      }
      call.then(
        (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}
