import { assertPositiveInteger, assertPositiveNumber, assertTakeCount } from '@ferret/internal';
import { checkBucketOptions, checkRateAndBurst, type RedisBucketOptions } from './bucketOptions.js';
import { type BucketReply, type RedisScriptClient, runBucketScript } from './runBucketScript.js';

/** Options for {@link RedisTokenBucket}. */
export type RedisTokenBucketOptions = RedisBucketOptions;

/** The outcome of {@link RedisTokenBucket.take}. */
export interface RedisTakeResult {
  /** Whether all the requested tokens were taken (a refused take consumes nothing). */
  granted: boolean;
  /** Whole tokens left in the shared bucket after this call. */
  remaining: number;
  /** 0 when granted; otherwise milliseconds until the same take would succeed (`Infinity` at rate 0). */
  retryAfterMs: number;
}

/** The outcome of {@link RedisTokenBucket.lease}. */
export interface RedisLeaseResult {
  /** Whole tokens granted: between 0 and the requested maximum. */
  granted: number;
  /** Balance left in the shared bucket (fractional). */
  tokens: number;
  /** Milliseconds until the rest of the request would be there (0 when all was granted). */
  retryAfterMs: number;
}

/** Options for {@link RedisTokenBucket.lease}. */
export interface RedisLeaseOptions {
  /** Tokens spent elsewhere to charge first (never drives the bucket below zero). Default 0. */
  charge?: number;
  /** Balance of the bucket if its key does not exist. Default `capacity` (a full bucket). */
  initialTokens?: number;
}

/**
 * A token bucket whose state lives in Redis, so every process using the same `key` shares one
 * budget. Each call is one round trip running one Lua script that refills from the server's
 * clock (`TIME`; the clients' clocks never matter) and takes atomically.
 *
 * For cold paths (a keyed API limit, a batch job): every call waits for Redis and rejects with
 * the client's error when Redis fails. Hot paths use a {@link LeasedTokenBucket} over the same key.
 *
 * @example
 * const bucket = new RedisTokenBucket({ redis: new Redis(url), key: 'exports', ratePerSecond: 2, burst: 10 });
 * const { granted, retryAfterMs } = await bucket.take();
 */
export class RedisTokenBucket {
  readonly #redis: RedisScriptClient;
  readonly #key: string;
  #rate: number;
  #capacity: number;

  constructor(options: RedisTokenBucketOptions) {
    const { redis, key, ratePerSecond, capacity } = checkBucketOptions(options);
    this.#redis = redis;
    this.#key = key;
    this.#rate = ratePerSecond;
    this.#capacity = capacity;
  }

  /** The Redis key holding the bucket. */
  get key(): string {
    return this.#key;
  }

  /** Tokens added per second to the shared bucket. */
  get ratePerSecond(): number {
    return this.#rate;
  }

  /** Most tokens the shared bucket holds. */
  get burst(): number {
    return this.#capacity;
  }

  /** The same as {@link burst}. */
  get capacity(): number {
    return this.#capacity;
  }

  /**
   * Takes `n` tokens (default 1) if they are all in the shared bucket now; a refused take
   * consumes nothing.
   * @throws RangeError (synchronously) when `n` is not a positive integer or exceeds the burst.
   */
  take(n = 1): Promise<RedisTakeResult> {
    assertTakeCount(n, this.#capacity, 'from a bucket of burst');
    return this.#run(n, false, 0, this.#capacity).then((reply) => ({
      granted: reply.granted === n,
      remaining: Math.floor(reply.tokens),
      retryAfterMs: reply.retryAfterMs,
    }));
  }

  /**
   * Takes as many whole tokens as are there, up to `max`: the building block of leases. `charge`
   * settles tokens spent while Redis was unreachable before taking.
   */
  lease(max: number, options: RedisLeaseOptions = {}): Promise<RedisLeaseResult> {
    assertPositiveInteger('max', max, { allowZero: true });
    const { charge = 0, initialTokens = this.#capacity } = options;
    assertPositiveInteger('charge', charge, { allowZero: true });
    assertPositiveNumber('initialTokens', initialTokens, { allowZero: true });
    return this.#run(max, true, charge, initialTokens).then(
      ({ granted, tokens, retryAfterMs }) => ({
        granted,
        tokens,
        retryAfterMs,
      }),
    );
  }

  /** Gives back `n` unused tokens (never above the burst). */
  async refund(n: number): Promise<void> {
    assertPositiveInteger('tokens', n, { allowZero: true });
    if (n > 0) await this.#run(0, false, -n, this.#capacity);
  }

  /** Tokens in the shared bucket now (fractional). */
  async available(): Promise<number> {
    return (await this.#run(0, false, 0, this.#capacity)).tokens;
  }

  /** Fills the shared bucket to its burst. */
  async reset(): Promise<void> {
    await this.#run(0, false, -this.#capacity, this.#capacity);
  }

  /**
   * Changes the rate (and burst, default `max(1, ratePerSecond)`) this client refills with from
   * its next call on. Every process sharing the key should use the same values.
   */
  setRate(ratePerSecond: number, burst?: number): void {
    const checked = checkRateAndBurst(ratePerSecond, burst, undefined);
    this.#rate = checked.ratePerSecond;
    this.#capacity = checked.capacity;
  }

  /** e.g. `RedisTokenBucket{key="fleet", ratePerSecond=200, burst=200}`. */
  toString(): string {
    return `RedisTokenBucket{key=${JSON.stringify(this.#key)}, ratePerSecond=${this.#rate}, burst=${this.#capacity}}`;
  }

  #run(
    take: number,
    partial: boolean,
    adjust: number,
    initialTokens: number,
  ): Promise<BucketReply> {
    return runBucketScript(this.#redis, this.#key, {
      ratePerSecond: this.#rate,
      capacity: this.#capacity,
      take,
      partial,
      adjust,
      initialTokens: Math.min(initialTokens, this.#capacity),
      expire: false,
      count: false,
    });
  }
}
