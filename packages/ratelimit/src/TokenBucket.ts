import { type Clock, monotonicClock } from './clock.js';
import { nextReading, refill, waitFor } from './refill.js';
import {
  assertFunction,
  assertKnownOptions,
  assertOptionsObject,
  assertPositiveInteger,
  assertTakeCount,
  burstOption,
  checkInitialTokens,
  checkRateAndCapacity,
  optionKeys,
} from './validate.js';

/** Options for {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second. Fractional rates are allowed (0.5 = one token every 2 s). Required. */
  ratePerSecond: number;
  /** Most tokens the bucket holds (its `capacity`): the burst. Default `max(1, ratePerSecond)`. */
  burst?: number;
  /** The older name of `burst`, still accepted (not together with `burst`). */
  capacity?: number;
  /** Tokens at creation. Default: `capacity` (a full bucket). */
  initialTokens?: number;
  /** Monotonic milliseconds. Default `performance.now`. */
  clock?: Clock;
}

/** Every key of {@link TokenBucketOptions}: any other key is refused (a misspelt option). */
const TOKEN_BUCKET_OPTION_KEYS = optionKeys<TokenBucketOptions>({
  ratePerSecond: true,
  burst: true,
  capacity: true,
  initialTokens: true,
  clock: true,
});

/**
 * The shape every bucket in the package shares, so a {@link TokenBucket} and a
 * `SharedTokenBucket` are interchangeable wherever a budget is taken from.
 */
export interface RateBucket {
  /** Takes `n` tokens if all are there now; a refused take consumes nothing. */
  tryTake(n?: number): boolean;
  /**
   * Takes `n` tokens even if that drives the balance negative (debt). Later takes wait until the
   * debt is refilled. Used to keep a trace whole once its root was admitted.
   */
  forceTake(n?: number): void;
  /** Tokens available now (may be negative while in debt). */
  available(): number;
  /** Milliseconds until `tryTake(n)` would succeed; 0 when it would succeed now. */
  retryAfterMs(n?: number): number;
  /** Refills the bucket to capacity. */
  reset(): void;
  /** Changes rate (and optionally capacity) keeping the current balance (clamped to capacity). */
  setRate(ratePerSecond: number, capacity?: number): void;
  readonly ratePerSecond: number;
  readonly capacity: number;
}

/**
 * A {@link RateBucket} that can also give tokens back, which an all-or-nothing take across
 * several buckets ({@link tryTakeAll}) needs to undo a partial take.
 */
export interface RefundableBucket extends RateBucket {
  /** Gives back `n` tokens (never above capacity). */
  refund(n?: number): void;
}

/**
 * A lazily refilled token bucket: no timers; each call adds `rate × elapsed` tokens, up to
 * `capacity`. The classic shape for "at most N per second on average, bursts up to `capacity`".
 *
 * `ratePerSecond: Infinity` always allows; `ratePerSecond: 0` never refills (a fixed budget).
 * `tryTake()` is the hot path: one clock read, a multiply and two compares.
 *
 * @example
 * const bucket = new TokenBucket({ ratePerSecond: 10, burst: 20 });
 * if (bucket.tryTake()) doWork(); else console.log(`retry in ${bucket.retryAfterMs()} ms`);
 */
export class TokenBucket implements RefundableBucket {
  #rate: number; // tokens per second
  #ratePerMs: number;
  #capacity: number;
  #tokens: number;
  #last: number;
  readonly #clock: Clock;

  constructor(options: TokenBucketOptions) {
    assertOptionsObject('options', options);
    assertKnownOptions('TokenBucket', options, TOKEN_BUCKET_OPTION_KEYS);
    if (options === undefined) throw new TypeError('Expected `options` with `ratePerSecond`');
    const { clock = monotonicClock } = options;
    const burst = burstOption(options, 'capacity');
    const { ratePerSecond, capacity } = checkRateAndCapacity(
      options.ratePerSecond,
      burst.value,
      'ratePerSecond',
      burst.option,
    );
    assertFunction('clock', clock);
    const initialTokens = checkInitialTokens(options.initialTokens, capacity);
    this.#rate = ratePerSecond;
    this.#ratePerMs = ratePerSecond / 1000;
    this.#capacity = capacity;
    this.#tokens = initialTokens;
    this.#clock = clock;
    this.#last = clock();
  }

  /** Tokens added per second. */
  get ratePerSecond(): number {
    return this.#rate;
  }

  /** Most tokens the bucket can hold. */
  get capacity(): number {
    return this.#capacity;
  }

  /**
   * Takes `n` tokens (default 1) if they are all available now. A refused take consumes nothing.
   * @throws RangeError when `n` is not a positive integer or exceeds `capacity` (it could never succeed).
   */
  tryTake(n = 1): boolean {
    if (n !== 1) this.#checkCount(n);
    const now = this.#clock();
    const tokens = refill(this.#tokens, now - this.#last, this.#ratePerMs, this.#capacity);
    this.#last = nextReading(this.#last, now);
    if (tokens >= n) {
      this.#tokens = tokens - n;
      return true;
    }
    this.#tokens = tokens;
    return false;
  }

  /**
   * Takes `n` tokens even if that drives the balance negative (debt); later takes wait until
   * the debt is refilled. Used by the profiler to keep a trace whole once its root was admitted.
   */
  forceTake(n = 1): void {
    if (n !== 1) this.#checkCount(n, false);
    this.#refill();
    this.#tokens -= n;
  }

  /** Tokens available now, after refilling: never above capacity, negative while in debt. */
  available(): number {
    this.#refill();
    return this.#tokens;
  }

  /**
   * Milliseconds until `tryTake(n)` would succeed (0 if it would now, `Infinity` at a zero rate).
   * Tight: waiting that long succeeds, waiting 1 ms less does not.
   */
  retryAfterMs(n = 1): number {
    this.#checkCount(n);
    this.#refill();
    return waitFor(n, this.#tokens, this.#ratePerMs);
  }

  /**
   * Gives back `n` tokens taken earlier (never above capacity). Used by {@link tryTakeAll} to undo
   * a partial take; a take followed by its refund leaves the bucket as if neither happened.
   */
  refund(n = 1): void {
    if (n !== 1) this.#checkCount(n, false);
    this.#refill();
    this.#tokens = Math.min(this.#tokens + n, this.#capacity);
  }

  /** Refills the bucket to capacity. */
  reset(): void {
    this.#tokens = this.#capacity;
    this.#last = this.#clock();
  }

  /**
   * Changes the rate (and capacity, default `max(1, ratePerSecond)`) keeping the current balance,
   * clamped to the new capacity; tokens earned so far are settled at the old rate first. So a
   * reconfiguration never hands out a fresh burst.
   */
  setRate(ratePerSecond: number, capacity?: number): void {
    const nextCapacity = checkRateAndCapacity(ratePerSecond, capacity).capacity;
    this.#refill(); // settle what was earned at the old rate before switching
    this.#rate = ratePerSecond;
    this.#ratePerMs = ratePerSecond / 1000;
    this.#capacity = nextCapacity;
    if (this.#tokens > nextCapacity) this.#tokens = nextCapacity;
  }

  /** Describes the configuration, e.g. `TokenBucket{ratePerSecond=10, burst=20}`. */
  toString(): string {
    return `TokenBucket{ratePerSecond=${this.#rate}, burst=${this.#capacity}}`;
  }

  #refill(): void {
    const now = this.#clock();
    this.#tokens = refill(this.#tokens, now - this.#last, this.#ratePerMs, this.#capacity);
    this.#last = nextReading(this.#last, now);
  }

  #checkCount(n: number, boundByCapacity = true): void {
    if (boundByCapacity) assertTakeCount(n, this.#capacity, 'from a bucket of capacity');
    else assertPositiveInteger('tokens', n);
  }
}
