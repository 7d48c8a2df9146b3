import type { Clock } from './clock.js';
import type { RefundableBucket } from './TokenBucket.js';
import {
  assertFunction,
  assertKnownOptions,
  assertOptionsObject,
  assertPositiveInteger,
  assertTakeCount,
  burstOption,
  checkInitialTokens,
  checkRateAndCapacity,
  describe,
  optionKeys,
} from './validate.js';

/** Options for {@link SharedTokenBucket}. */
export interface SharedTokenBucketOptions {
  /** Tokens added per second (fractional allowed; `Infinity` always allows; 0 never refills). Required. */
  ratePerSecond: number;
  /** Burst. Default `max(1, ratePerSecond)`. */
  burst?: number;
  /** The older name of `burst`, still accepted (not together with `burst`). */
  capacity?: number;
  /** Tokens at creation. Default: `burst` (a full bucket). */
  initialTokens?: number;
  /**
   * Milliseconds on a time line shared by all threads. Default
   * `performance.timeOrigin + performance.now()`. Not plain `performance.now()`: each worker
   * counts that from its own start.
   */
  clock?: Clock;
}

/** Every key of {@link SharedTokenBucketOptions}: any other key is refused (a misspelt option). */
const SHARED_TOKEN_BUCKET_OPTION_KEYS = optionKeys<SharedTokenBucketOptions>({
  ratePerSecond: true,
  burst: true,
  capacity: true,
  initialTokens: true,
  clock: true,
});

/** Options for {@link SharedTokenBucket.from}. */
export interface SharedTokenBucketAttachOptions {
  /** Same time line as the creating thread's clock. Default `performance.timeOrigin + performance.now()`. */
  clock?: Clock;
}

/** Every key of {@link SharedTokenBucketAttachOptions}: any other key is refused (a misspelt option). */
const ATTACH_OPTION_KEYS = optionKeys<SharedTokenBucketAttachOptions>({
  clock: true,
});

/**
 * Epoch milliseconds from the monotonic clock: `performance.now()` counts from each thread's own
 * start, `performance.timeOrigin` is that start on the wall clock, so the sum is comparable
 * across threads (to within the microseconds at which each thread read the wall clock).
 */
export const sharedClock: Clock = () => performance.timeOrigin + performance.now();

// Buffer layout, 8-byte cells:
//   0  state: the double W (see below) as raw bits, updated only with Atomics.compareExchange
//   1  ratePerMs (double)       2  capacity (double)       3  base time (double, fixed at creation)
//   4  magic (int32) + layout version (int32)
const STATE = 0;
const RATE = 1;
const CAPACITY = 2;
const BASE = 3;
const MAGIC_INDEX = 8; // int32 index of cell 4
const MAGIC = 0x46_52_54_42; // "FRTB"
const VERSION = 1;
const BYTE_LENGTH = 40;
/** A NaN bit pattern arithmetic never produces: the state while `setRate` converts it. */
const FROZEN = 0x7ff8_dead_beef_0001n;
/** Spins on a frozen state before giving up (only a thread dying inside `setRate` leaves it frozen). */
const MAX_SPINS = 1 << 20;

// Reinterprets a double as the 64 bits Atomics can compare-and-swap, and back.
const scratchDouble = new Float64Array(1);
const scratchBits = new BigInt64Array(scratchDouble.buffer);
function toBits(value: number): bigint {
  scratchDouble[0] = value;
  return scratchBits[0]!;
}
function toDouble(bits: bigint): number {
  scratchBits[0] = bits;
  return scratchDouble[0]!;
}

let attaching: { buffer: SharedArrayBuffer; clock: Clock } | undefined;

/**
 * A token bucket whose state lives in a `SharedArrayBuffer`, so `worker_threads` share one
 * exact budget. Implements {@link RateBucket}: use it wherever a `TokenBucket` is accepted.
 *
 * **Lock-free.** The whole balance is one double, `W = tokens − rate × t` (the balance
 * extrapolated back to the bucket's creation), so `tokens(t) = min(capacity, W + rate × t)`:
 * refilling needs no stored "last refill time", and a take is a single 64-bit
 * `Atomics.compareExchange` of W, retried if another thread got there first. A refused take
 * writes nothing. Rate and capacity live in the same buffer; `setRate` briefly freezes W so that
 * no take can commit against a half-written configuration.
 *
 * **Time.** All threads must read one time line. The default clock is
 * `performance.timeOrigin + performance.now()`: monotonic within a thread, and comparable across
 * threads to within the microseconds at which each thread sampled the wall clock at start-up (a
 * wall-clock step between two threads' start-ups shifts one against the other by that step).
 * A thread whose clock lags sees slightly fewer tokens, never more, so skew can only under-grant.
 *
 * **Cost.** Each take allocates small BigInts for the 64-bit compare-and-swap: about
 * 1.8× a `TokenBucket.tryTake()` (see `docs/benchmarks.md`). Use a `TokenBucket` per thread when
 * one exact cross-thread budget is not needed.
 *
 * @example
 * // main thread
 * const bucket = new SharedTokenBucket({ ratePerSecond: 100, burst: 200 });
 * new Worker(file, { workerData: { bucket: bucket.buffer } });
 * // worker
 * const bucket = SharedTokenBucket.from(workerData.bucket);
 * if (bucket.tryTake()) send();
 */
export class SharedTokenBucket implements RefundableBucket {
  /** The shared memory holding the state: post it to a worker and call {@link SharedTokenBucket.from} there. */
  readonly buffer: SharedArrayBuffer;
  readonly #state: BigInt64Array;
  readonly #config: Float64Array;
  readonly #clock: Clock;
  #maxElapsed = 0;
  readonly #base: number;

  constructor(options: SharedTokenBucketOptions) {
    const attach = attaching;
    attaching = undefined;
    if (attach !== undefined) {
      this.buffer = attach.buffer;
      this.#clock = attach.clock;
      this.#state = new BigInt64Array(attach.buffer);
      this.#config = new Float64Array(attach.buffer);
      this.#base = this.#config[BASE]!;
      return;
    }
    assertOptionsObject('options', options);
    assertKnownOptions('SharedTokenBucket', options, SHARED_TOKEN_BUCKET_OPTION_KEYS);
    if (options === undefined) throw new TypeError('Expected `options` with `ratePerSecond`');
    const { clock = sharedClock } = options;
    const burst = burstOption(options, 'capacity');
    const { ratePerSecond, capacity } = checkRateAndCapacity(
      options.ratePerSecond,
      burst.value,
      'ratePerSecond',
      burst.option,
    );
    assertFunction('clock', clock);
    const initialTokens = checkInitialTokens(options.initialTokens, capacity);
    this.buffer = new SharedArrayBuffer(BYTE_LENGTH);
    this.#state = new BigInt64Array(this.buffer);
    this.#config = new Float64Array(this.buffer);
    this.#clock = clock as Clock;
    this.#base = this.#clock();
    this.#config[RATE] = ratePerSecond / 1000;
    this.#config[CAPACITY] = capacity;
    this.#config[BASE] = this.#base;
    const ints = new Int32Array(this.buffer);
    ints[MAGIC_INDEX] = MAGIC;
    ints[MAGIC_INDEX + 1] = VERSION;
    // t = 0 now, so W = initialTokens. Stored atomically: publishes the cells above with it.
    Atomics.store(this.#state, STATE, toBits(Number.isFinite(initialTokens) ? initialTokens : 0));
  }

  /**
   * Attaches to a bucket created in another thread from its {@link SharedTokenBucket.buffer}.
   * @throws TypeError when `buffer` is not a SharedTokenBucket's buffer.
   */
  static from(
    buffer: SharedArrayBuffer,
    options: SharedTokenBucketAttachOptions = {},
  ): SharedTokenBucket {
    if (!(buffer instanceof SharedArrayBuffer)) {
      throw new TypeError(`Expected \`buffer\` to be a SharedArrayBuffer, got ${describe(buffer)}`);
    }
    const ints = buffer.byteLength === BYTE_LENGTH ? new Int32Array(buffer) : undefined;
    if (ints === undefined || ints[MAGIC_INDEX] !== MAGIC || ints[MAGIC_INDEX + 1] !== VERSION) {
      throw new TypeError(
        'Expected `buffer` to be the `buffer` of a SharedTokenBucket (layout version 1)',
      );
    }
    assertOptionsObject('options', options);
    assertKnownOptions('SharedTokenBucket.from', options, ATTACH_OPTION_KEYS);
    const { clock = sharedClock } = options;
    assertFunction('clock', clock);
    attaching = { buffer, clock: clock as Clock };
    return new SharedTokenBucket(undefined as unknown as SharedTokenBucketOptions);
  }

  /** Tokens added per second. */
  get ratePerSecond(): number {
    return this.#config[RATE]! * 1000;
  }

  /** Most tokens the bucket can hold. */
  get capacity(): number {
    return this.#config[CAPACITY]!;
  }

  /**
   * Takes `n` tokens (default 1) if all are available, atomically across threads.
   * Returns false (without spinning forever) if the state stays frozen by a thread that died in `setRate`.
   */
  tryTake(n = 1): boolean {
    if (n !== 1) this.#checkCount(n);
    const t = this.#elapsed();
    for (let spins = 0; spins < MAX_SPINS; spins++) {
      const bits = Atomics.load(this.#state, STATE);
      if (bits === FROZEN) continue;
      const rate = this.#config[RATE]!;
      if (rate === Number.POSITIVE_INFINITY) return true;
      const capacity = this.#config[CAPACITY]!;
      let tokens = toDouble(bits) + rate * t;
      if (!(tokens <= capacity)) tokens = capacity;
      if (tokens < n) return false;
      const next = toBits(tokens - n - rate * t);
      if (Atomics.compareExchange(this.#state, STATE, bits, next) === bits) return true;
    }
    return false;
  }

  /** Takes `n` tokens even into debt (see {@link RateBucket.forceTake}). */
  forceTake(n = 1): void {
    if (n !== 1) this.#checkCount(n, false);
    this.#update((tokens) => tokens - n);
  }

  /** Gives back `n` tokens (never above capacity). */
  refund(n = 1): void {
    if (n !== 1) this.#checkCount(n, false);
    this.#update((tokens, capacity) => Math.min(capacity, tokens + n));
  }

  /** Tokens available now (negative while in debt). */
  available(): number {
    const t = this.#elapsed();
    for (let spins = 0; spins < MAX_SPINS; spins++) {
      const bits = Atomics.load(this.#state, STATE);
      if (bits === FROZEN) continue;
      return this.#tokensAt(bits, t);
    }
    return 0;
  }

  /** Milliseconds until `tryTake(n)` would succeed if no other thread takes; 0 when it would now. */
  retryAfterMs(n = 1): number {
    this.#checkCount(n);
    const available = this.available();
    const missing = n - available;
    if (missing <= 0) return 0;
    const rate = this.#config[RATE]!;
    if (rate === 0) return Number.POSITIVE_INFINITY;
    let wait = Math.ceil(missing / rate);
    if (available + wait * rate < n) wait++; // float rounding
    return wait;
  }

  /** Refills the bucket to capacity. */
  reset(): void {
    this.#update((_tokens, capacity) => capacity);
  }

  /**
   * Changes rate and capacity for every thread, keeping the current balance (clamped).
   * Concurrent takes wait the few instructions this takes; none commits against a mixed configuration.
   */
  setRate(ratePerSecond: number, capacity?: number): void {
    const nextCapacity = checkRateAndCapacity(ratePerSecond, capacity).capacity;
    let bits = FROZEN;
    for (let spins = 0; spins < MAX_SPINS; spins++) {
      const seen = Atomics.load(this.#state, STATE);
      if (seen !== FROZEN && Atomics.compareExchange(this.#state, STATE, seen, FROZEN) === seen) {
        bits = seen;
        break;
      }
    }
    const t = this.#elapsed();
    // Still FROZEN after MAX_SPINS: a thread died mid-setRate. Take over with an empty balance
    // (the safe side: it refills at the new rate).
    const tokens = bits === FROZEN ? 0 : Math.min(nextCapacity, this.#tokensAt(bits, t));
    const rate = ratePerSecond / 1000;
    this.#config[RATE] = rate;
    this.#config[CAPACITY] = nextCapacity;
    let next = toBits(Number.isFinite(rate) ? tokens - rate * t : 0);
    // A take that read the old state and old configuration must fail its compare-and-swap, so the
    // new state must differ from the old one in at least one bit (a 1-ulp nudge at most).
    if (next === bits) next ^= 1n;
    Atomics.store(this.#state, STATE, next);
  }

  /** e.g. `SharedTokenBucket{ratePerSecond=10, burst=20}`. */
  toString(): string {
    return `SharedTokenBucket{ratePerSecond=${this.ratePerSecond}, burst=${this.capacity}}`;
  }

  #tokensAt(bits: bigint, t: number): number {
    const rate = this.#config[RATE]!;
    const capacity = this.#config[CAPACITY]!;
    if (rate === Number.POSITIVE_INFINITY) return capacity;
    const tokens = toDouble(bits) + rate * t;
    // biome-ignore lint/complexity/useMathMinMax: Math.min keeps NaN (Infinity × 0 ms); this maps it to capacity
    return tokens <= capacity ? tokens : capacity;
  }

  /** Compare-and-swap loop setting the balance to `fn(balance now, capacity)`. */
  #update(fn: (tokens: number, capacity: number) => number): void {
    const t = this.#elapsed();
    for (let spins = 0; spins < MAX_SPINS; spins++) {
      const bits = Atomics.load(this.#state, STATE);
      if (bits === FROZEN) continue;
      const rate = this.#config[RATE]!;
      if (rate === Number.POSITIVE_INFINITY) return;
      const next = toBits(fn(this.#tokensAt(bits, t), this.#config[CAPACITY]!) - rate * t);
      if (Atomics.compareExchange(this.#state, STATE, bits, next) === bits) return;
    }
  }

  /**
   * Milliseconds since the shared base, never less than this instance has seen before: the
   * balance is anchored to absolute time, so a clock that stepped back would read as debt, and
   * a NaN reading as free tokens. Time stands still instead until the clock catches up.
   */
  #elapsed(): number {
    const t = this.#clock() - this.#base;
    if (t > this.#maxElapsed) this.#maxElapsed = t;
    return this.#maxElapsed;
  }

  #checkCount(n: number, boundByCapacity = true): void {
    if (boundByCapacity) assertTakeCount(n, this.#config[CAPACITY]!, 'from a bucket of capacity');
    else assertPositiveInteger('tokens', n);
  }
}
