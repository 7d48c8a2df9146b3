import { MAX_TIMER_MS } from '@ferret/internal';
import { type Clock, monotonicClock } from './clock.js';
import { RateLimitExceededError } from './RateLimitExceededError.js';
import { RateLimitMetrics } from './RateLimitMetrics.js';
import { waitFor } from './refill.js';
import { TokenBucket } from './TokenBucket.js';
import {
  assertBoolean,
  assertFunction,
  assertKnownOptions,
  assertOptionsObject,
  assertPositiveInteger,
  burstOption,
  checkRateAndCapacity,
  describe,
  optionKeys,
} from './validate.js';

/** Options for {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Sustained rate (fractional allowed, e.g. 0.5 = one request every 2 s). Required. */
  requestsPerSecond: number;
  /** Requests allowed at once after an idle period. Default `max(1, requestsPerSecond)`. */
  burst?: number;
  /** The older name of `burst`, still accepted (not together with `burst`). */
  burstSize?: number;
  /** `true`: `acquire()` waits its turn. `false`: it rejects with {@link RateLimitExceededError}. Default `true`. */
  waitOnLimit?: boolean;
  /** Called with the expected wait in ms each time a caller has to wait (before it starts waiting). */
  onWait?: (waitMs: number) => void;
  /** Most callers waiting at once; one more is rejected at once with `reason: 'queue-full'`. Default 10,000. */
  maxQueue?: number;
  /** Monotonic milliseconds. Default `performance.now`. */
  clock?: Clock;
  /** The `key` attribute of this limiter's `ferret.ratelimit.*` metrics. Default `'default'`. */
  name?: string;
  /** Report counters through OpenTelemetry metrics when a MeterProvider is registered. Default `true`. */
  metrics?: boolean;
}

/** Every key of {@link RateLimiterOptions}: any other key is refused (a misspelt option). */
const RATE_LIMITER_OPTION_KEYS = optionKeys<RateLimiterOptions>({
  requestsPerSecond: true,
  burst: true,
  burstSize: true,
  waitOnLimit: true,
  onWait: true,
  maxQueue: true,
  clock: true,
  name: true,
  metrics: true,
});

/** Options of one {@link RateLimiter.acquire} call. */
export interface AcquireOptions {
  /** Aborting rejects the wait with `signal.reason` and gives its place in the queue back. */
  signal?: AbortSignal;
}

interface Waiter {
  tokens: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** Counters of a {@link RateLimiter} since creation. */
export interface RateLimiterStats {
  /** Calls to `acquire()` and `tryAcquire()`. */
  requests: number;
  /** Of those, the ones that had to wait or were refused. */
  limited: number;
  /** Callers waiting now. */
  waiting: number;
}

const DEFAULT_MAX_QUEUE = 10_000;

/**
 * Throttles outbound work (API calls, jobs) to a rate with bursts: `await limiter.acquire()`
 * before each call. Waiters are served first come, first served: a later caller is never served
 * before an earlier one, even when it asks for fewer tokens. A single timer (for the head of the
 * queue) does the waiting.
 *
 * @example
 * const limiter = new RateLimiter({ requestsPerSecond: 5, burst: 10 });
 * for (const url of urls) { await limiter.acquire(); void fetch(url); }
 */
export class RateLimiter {
  readonly #bucket: TokenBucket;
  readonly #waitOnLimit: boolean;
  readonly #onWait: ((waitMs: number) => void) | undefined;
  readonly #maxQueue: number;
  readonly #name: string;
  readonly #queue: Waiter[] = [];
  #queuedTokens = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #requests = 0;
  #limited = 0;

  constructor(options: RateLimiterOptions) {
    assertOptionsObject('options', options);
    assertKnownOptions('RateLimiter', options, RATE_LIMITER_OPTION_KEYS);
    if (options === undefined) throw new TypeError('Expected `options` with `requestsPerSecond`');
    const {
      waitOnLimit = true,
      onWait,
      maxQueue = DEFAULT_MAX_QUEUE,
      clock = monotonicClock,
      name = 'default',
      metrics = true,
    } = options;
    const burst = burstOption(options, 'burstSize');
    const { ratePerSecond: requestsPerSecond, capacity: burstSize } = checkRateAndCapacity(
      options.requestsPerSecond,
      burst.value,
      'requestsPerSecond',
      burst.option,
    );
    assertBoolean('waitOnLimit', waitOnLimit);
    if (onWait !== undefined) assertFunction('onWait', onWait);
    if (maxQueue !== Number.POSITIVE_INFINITY)
      assertPositiveInteger('maxQueue', maxQueue, { allowZero: true });
    assertFunction('clock', clock);
    if (typeof name !== 'string')
      throw new TypeError(`Expected \`name\` to be a string, got ${describe(name)}`);
    assertBoolean('metrics', metrics);
    this.#bucket = new TokenBucket({
      ratePerSecond: requestsPerSecond,
      capacity: burstSize,
      clock: clock as Clock,
    });
    this.#waitOnLimit = waitOnLimit;
    this.#onWait = onWait;
    this.#maxQueue = maxQueue;
    this.#name = name;
    if (metrics) RateLimitMetrics.global.track(this);
  }

  /** Callers currently waiting. */
  get queueLength(): number {
    return this.#queue.length;
  }

  /**
   * Resolves once `tokens` (default 1) are granted. Waits in line behind earlier callers, or,
   * with `waitOnLimit: false`, rejects with {@link RateLimitExceededError} (carrying
   * `retryAfterMs`) when the tokens are not there now.
   * Rejects with `RangeError` when `tokens` is not a positive integer or exceeds `burst`.
   */
  acquire(tokens = 1, options: AcquireOptions = {}): Promise<void> {
    try {
      if (tokens !== 1) assertPositiveInteger('tokens', tokens);
      if (tokens > this.#bucket.capacity) {
        throw new RangeError(
          `Cannot acquire ${tokens} tokens at once with burst ${this.#bucket.capacity}`,
        );
      }
      assertOptionsObject('options', options);
    } catch (error) {
      return Promise.reject(error);
    }
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.#requests++;
    if (this.#queue.length === 0 && this.#bucket.tryTake(tokens)) return Promise.resolve();
    this.#limited++;
    const waitMs = this.#expectedWait(tokens);
    // A wait that can never be served (a zero rate with the burst spent) is refused at once,
    // rather than leaving a promise that never settles and holds no timer.
    if (!this.#waitOnLimit || waitMs === Number.POSITIVE_INFINITY)
      return Promise.reject(new RateLimitExceededError(waitMs));
    if (this.#queue.length >= this.#maxQueue)
      return Promise.reject(new RateLimitExceededError(waitMs, 'queue-full'));
    try {
      this.#onWait?.(waitMs);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { tokens, resolve, reject, signal, onAbort: undefined };
      if (signal !== undefined) {
        waiter.onAbort = () => this.#abort(waiter);
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
      this.#queuedTokens += tokens;
      if (this.#queue.length === 1) this.#drain();
    });
  }

  /** Takes `tokens` now if available and nobody is waiting (never jumps the queue). */
  tryAcquire(tokens = 1): boolean {
    if (tokens !== 1) assertPositiveInteger('tokens', tokens);
    this.#requests++;
    if (this.#queue.length === 0 && tokens <= this.#bucket.capacity && this.#bucket.tryTake(tokens))
      return true;
    this.#limited++;
    return false;
  }

  /** Tokens available now (fractional while refilling). */
  availableTokens(): number {
    return this.#bucket.available();
  }

  /** Refills to `burst` and serves waiters that now fit. */
  reset(): void {
    this.#bucket.reset();
    if (this.#queue.length > 0) this.#drain();
  }

  /** Counters since creation: calls to `acquire`/`tryAcquire`, and those that waited or were refused. */
  stats(): RateLimiterStats {
    return { requests: this.#requests, limited: this.#limited, waiting: this.#queue.length };
  }

  /** @internal Reports counters to OpenTelemetry under `key = name`. */
  collectCounters(observe: (key: string, requests: number, limited: number) => void): void {
    observe(this.#name, this.#requests, this.#limited);
  }

  /** e.g. `RateLimiter{requestsPerSecond=5, burst=10, waitOnLimit=true, maxQueue=10000}`. */
  toString(): string {
    return `RateLimiter{requestsPerSecond=${this.#bucket.ratePerSecond}, burst=${this.#bucket.capacity}, waitOnLimit=${this.#waitOnLimit}, maxQueue=${this.#maxQueue}}`;
  }

  /** Wait for `tokens` behind everyone queued now, assuming nobody else takes meanwhile. */
  #expectedWait(tokens: number): number {
    const ratePerMs = this.#bucket.ratePerSecond / 1000;
    return waitFor(this.#queuedTokens + tokens, this.#bucket.available(), ratePerMs);
  }

  /** Serves the head of the queue while its tokens are there, then sleeps until the next fits. */
  #drain = (): void => {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const queue = this.#queue;
    while (queue.length > 0) {
      const head = queue[0]!;
      if (!this.#bucket.tryTake(head.tokens)) {
        const wait = this.#bucket.retryAfterMs(head.tokens);
        // A zero rate never refills: only reset() or an abort moves the queue then. A wait longer
        // than the longest Node.js timer sleeps that long and then re-arms.
        if (Number.isFinite(wait))
          this.#timer = setTimeout(this.#drain, Math.min(MAX_TIMER_MS, Math.max(1, wait)));
        return;
      }
      queue.shift();
      this.#settle(head);
      head.resolve();
    }
  };

  #abort(waiter: Waiter): void {
    const index = this.#queue.indexOf(waiter);
    if (index === -1) return;
    this.#queue.splice(index, 1);
    this.#settle(waiter);
    waiter.reject(waiter.signal!.reason);
    if (index === 0) this.#drain(); // the next in line may fit now
  }

  #settle(waiter: Waiter): void {
    this.#queuedTokens -= waiter.tokens;
    if (waiter.onAbort !== undefined) waiter.signal!.removeEventListener('abort', waiter.onAbort);
  }
}
