import { type Clock, monotonicClock } from './clock.js';
import { grown, KeyTable } from './KeyTable.js';
import { RateLimitMetrics } from './RateLimitMetrics.js';
import { nextReading, refill, waitFor } from './refill.js';
import {
  assertBoolean,
  assertFunction,
  assertKeyLengthBound,
  assertKnownOptions,
  assertOptionsObject,
  assertPositiveInteger,
  boundedKey,
  burstOption,
  checkRateAndCapacity,
  DEFAULT_MAX_KEY_LENGTH,
  describe,
  optionKeys,
} from './validate.js';

/** Options for {@link KeyedRateLimiter}. Shaped so that `rateLimitConfigFromEnv()` fits as is. */
export interface KeyedRateLimiterOptions {
  /** Tokens added per second to each key's bucket (fractional allowed, `Infinity` = unlimited). Required. */
  ratePerSecond: number;
  /** Burst per key (its bucket's capacity). Default `max(1, ratePerSecond)`. */
  burst?: number;
  /** The older name of `burst`, still accepted (not together with `burst`). */
  capacity?: number;
  /** Most keys held at once; beyond it a key is evicted (CLOCK: approximately least recently used). Default 100,000. */
  maxKeys?: number;
  /**
   * Longest key kept as is, in UTF-16 code units; a longer key (keys come from clients) is
   * replaced by its first 64 characters and a SHA-256 of the whole, so memory stays bounded by
   * `maxKeys`. Default 256.
   */
  maxKeyLength?: number;
  /** `false` allows every check (fail-open) while still counting. Default `true`. */
  enabled?: boolean;
  /** Monotonic milliseconds. Default `performance.now`. */
  clock?: Clock;
  /** Report per-key counters through OpenTelemetry metrics when a MeterProvider is registered. Default `true`. */
  metrics?: boolean;
}

/** Every key of {@link KeyedRateLimiterOptions}: any other key is refused (a misspelt option). */
const KEYED_RATE_LIMITER_OPTION_KEYS = optionKeys<KeyedRateLimiterOptions>({
  ratePerSecond: true,
  burst: true,
  capacity: true,
  maxKeys: true,
  maxKeyLength: true,
  enabled: true,
  clock: true,
  metrics: true,
});

/** A per-key rate and burst, set with {@link KeyedRateLimiter.configure}. */
export interface KeyLimit {
  ratePerSecond: number;
  /** Burst for the key. Default `max(1, ratePerSecond)`. */
  burst?: number;
  /** The older name of `burst`, still accepted (not together with `burst`). */
  capacity?: number;
}

/** The outcome of one check. */
export interface RateLimitDecision {
  /** Whether the request may proceed. Always true while the limiter is disabled. */
  allowed: boolean;
  /** 0 when allowed; otherwise milliseconds until the same check would succeed (`Infinity` if never). */
  retryAfterMs: number;
  /** Whole tokens (or events) left after this check, e.g. for an `X-RateLimit-Remaining` header. */
  remaining: number;
}

/** Counters and balance of one key. */
export interface KeyUsage {
  /** Checks made for this key since it became live. */
  requests: number;
  /** Checks refused (or, when disabled, that would have been refused). */
  limited: number;
  /** Tokens (or events) available now. */
  tokens: number;
}

/** Totals of a keyed limiter. */
export interface KeyedLimiterStats {
  /** Keys currently held. Never above `maxKeys`. */
  liveKeys: number;
  /** Keys evicted so far, for any reason. */
  evictions: number;
  /** Evictions of keys whose state was not yet back to "fresh" (LRU under pressure): those keys got a fresh burst back. */
  forcedEvictions: number;
  /** Checks made (all keys, including evicted ones). */
  requests: number;
  /** Checks refused (or that would have been refused while disabled). */
  limited: number;
  /**
   * Bytes held by the live keys' strings (2 per UTF-16 code unit, an upper bound), on top of
   * the fixed cost per key. Bounded by `liveKeys × maxKeyLength × 2`.
   */
  keyBytes: number;
}

const DEFAULT_MAX_KEYS = 100_000;
/** Slots checked for idleness per admission of a new key: amortises the clean-up over arrivals. */
const IDLE_PROBES_PER_ADMISSION = 2;
/**
 * A key counts as idle only after this long unused, even if its bucket is already full again:
 * otherwise a fast-refilling bucket would be evicted and re-admitted between two checks.
 */
const MIN_IDLE_MS = 1000;
// Layout of one key's state in `#state`.
const TOKENS = 0;
const LAST = 1;
const RATE = 2;
const CAPACITY = 3;
const REQUESTS = 4;
const LIMITED = 5;
const STRIDE = 6;

/**
 * One token bucket per key (a client, a route, an ad line item), created on first use.
 *
 * Memory is bounded by `maxKeys` (under 100 bytes per live key). A key whose bucket has
 * refilled to capacity is indistinguishable from a new one, so such keys, once unused for at
 * least a second, are evicted first, losslessly, as new keys arrive (two probed per arrival).
 * Beyond `maxKeys` a key is evicted even if not yet refilled (counted in `forcedEvictions`),
 * chosen by CLOCK (second chance), an approximation of least recently used: a key checked again
 * since the hand last passed it is skipped once, so new one-off keys go before keys that keep
 * coming back. **An evicted key comes back with a full bucket and zeroed counters.** Size
 * `maxKeys` above the number of keys active within one refill period (`capacity /
 * ratePerSecond` seconds) and forced evictions never happen.
 *
 * @example
 * const limiter = new KeyedRateLimiter({ ratePerSecond: 5, burst: 10 });
 * limiter.configure('partner-42', { ratePerSecond: 50 });
 * const { allowed, retryAfterMs } = limiter.check(clientIp);
 * if (!allowed) res.writeHead(429, { 'Retry-After': Math.ceil(retryAfterMs / 1000) });
 */
export class KeyedRateLimiter {
  readonly #clock: Clock;
  readonly #defaultRate: number;
  readonly #defaultRatePerMs: number;
  readonly #defaultCapacity: number;
  readonly #overrides = new Map<string, { ratePerMs: number; capacity: number }>();
  readonly #table: KeyTable;
  readonly #maxKeyLength: number;
  /** `#table.index`, held directly: one hop less on the hot path. */
  readonly #index: ReadonlyMap<string, number>;
  #enabled: boolean;
  /**
   * Per-slot state, interleaved so that a check touches one 48-byte run of memory:
   * [tokens, last, ratePerMs, capacity, requests, limited] at `slot × STRIDE`.
   */
  #state = new Float64Array(0);
  #evictions = 0;
  #forcedEvictions = 0;
  #totalRequests = 0;
  #totalLimited = 0;

  constructor(options: KeyedRateLimiterOptions) {
    assertOptionsObject('options', options);
    assertKnownOptions('KeyedRateLimiter', options, KEYED_RATE_LIMITER_OPTION_KEYS);
    if (options === undefined) throw new TypeError('Expected `options` with `ratePerSecond`');
    const {
      clock = monotonicClock,
      maxKeys = DEFAULT_MAX_KEYS,
      maxKeyLength = DEFAULT_MAX_KEY_LENGTH,
      enabled = true,
      metrics = true,
    } = options;
    const burst = burstOption(options, 'capacity');
    const { ratePerSecond, capacity } = checkRateAndCapacity(
      options.ratePerSecond,
      burst.value,
      'ratePerSecond',
      burst.option,
    );
    assertPositiveInteger('maxKeys', maxKeys);
    assertKeyLengthBound(maxKeyLength);
    this.#maxKeyLength = maxKeyLength;
    assertBoolean('enabled', enabled);
    assertBoolean('metrics', metrics);
    assertFunction('clock', clock);
    this.#clock = clock as Clock;
    this.#defaultRate = ratePerSecond;
    this.#defaultRatePerMs = ratePerSecond / 1000;
    this.#defaultCapacity = capacity;
    this.#enabled = enabled;
    this.#table = new KeyTable(maxKeys, (size) => {
      this.#state = grown(this.#state, size * STRIDE);
    });
    this.#index = this.#table.index;
    if (metrics) RateLimitMetrics.global.track(this);
  }

  /** Whether checks are enforced. Setting `false` makes every check allowed (fail-open) while counting on. */
  get enabled(): boolean {
    return this.#enabled;
  }

  set enabled(value: boolean) {
    assertBoolean('enabled', value);
    this.#enabled = value;
  }

  /** Keys currently held. */
  get size(): number {
    return this.#table.size;
  }

  /** The configured limit on live keys. */
  get maxKeys(): number {
    return this.#table.maxKeys;
  }

  /**
   * Takes `tokens` (default 1) from `key`'s bucket if they are all there; a refused check
   * consumes nothing. While disabled, the check is always allowed: tokens are still taken when
   * available and a check that would have been refused is counted in `limited`, so the limiter
   * can run in shadow mode before it is enforced.
   * @throws RangeError when `tokens` is not a positive integer or exceeds the key's capacity.
   */
  check(key: string, tokens = 1): RateLimitDecision {
    if (typeof key !== 'string') {
      throw new TypeError(`Expected \`key\` to be a string, got ${describe(key)}`);
    }
    if (tokens !== 1) assertPositiveInteger('tokens', tokens);
    if (key.length > this.#maxKeyLength) key = boundedKey(key);
    const now = this.#clock();
    let slot = this.#index.get(key);
    if (slot === undefined) slot = this.#admit(key, now);
    else this.#table.markUsed(slot);
    const state = this.#state;
    const at = slot * STRIDE;
    const capacity = state[at + CAPACITY]!;
    if (tokens > capacity) {
      throw new RangeError(
        `Cannot take ${tokens} tokens at once for key ${JSON.stringify(key)} of capacity ${capacity}`,
      );
    }
    const ratePerMs = state[at + RATE]!;
    const last = state[at + LAST]!;
    const available = refill(state[at + TOKENS]!, now - last, ratePerMs, capacity);
    state[at + LAST] = nextReading(last, now);
    state[at + REQUESTS]!++;
    this.#totalRequests++;
    if (available >= tokens) {
      const left = available - tokens;
      state[at + TOKENS] = left;
      return { allowed: true, retryAfterMs: 0, remaining: Math.floor(left) };
    }
    state[at + TOKENS] = available;
    state[at + LIMITED]!++;
    this.#totalLimited++;
    if (!this.#enabled) return { allowed: true, retryAfterMs: 0, remaining: Math.floor(available) };
    return {
      allowed: false,
      retryAfterMs: waitFor(tokens, available, ratePerMs),
      remaining: Math.floor(available),
    };
  }

  /**
   * Sets a rate and burst for one key, overriding the defaults. A live key keeps its balance
   * (clamped to the new capacity), so reconfiguring never hands out a fresh burst.
   * Overrides are configuration, not traffic: they are kept until {@link removeOverride}, also
   * while the key itself is evicted.
   */
  configure(key: string, limit: KeyLimit): void {
    if (typeof key !== 'string') {
      throw new TypeError(`Expected \`key\` to be a string, got ${describe(key)}`);
    }
    assertOptionsObject('limit', limit);
    if (limit === undefined) throw new TypeError('Expected `limit` with `ratePerSecond`');
    key = this.#bounded(key);
    const burst = burstOption(limit, 'capacity');
    const { ratePerSecond, capacity } = checkRateAndCapacity(
      limit.ratePerSecond,
      burst.value,
      'ratePerSecond',
      burst.option,
    );
    const config = { ratePerMs: ratePerSecond / 1000, capacity };
    this.#overrides.set(key, config);
    this.#reconfigure(key, config.ratePerMs, config.capacity);
  }

  /** Removes `key`'s override; a live key keeps its balance (clamped) under the defaults. */
  removeOverride(key: string): boolean {
    key = this.#bounded(key);
    const removed = this.#overrides.delete(key);
    if (removed) this.#reconfigure(key, this.#defaultRatePerMs, this.#defaultCapacity);
    return removed;
  }

  /** Counters and current balance of `key`. An unknown (or evicted) key reads as fresh. */
  usage(key: string): KeyUsage {
    key = this.#bounded(key);
    const slot = this.#table.get(key);
    if (slot === undefined) {
      const capacity = this.#overrides.get(key)?.capacity ?? this.#defaultCapacity;
      return { requests: 0, limited: 0, tokens: capacity };
    }
    const at = slot * STRIDE;
    return {
      requests: this.#state[at + REQUESTS]!,
      limited: this.#state[at + LIMITED]!,
      tokens: this.#balance(slot, this.#clock()),
    };
  }

  /** Totals, including keys evicted since. */
  stats(): KeyedLimiterStats {
    return {
      liveKeys: this.#table.size,
      evictions: this.#evictions,
      forcedEvictions: this.#forcedEvictions,
      requests: this.#totalRequests,
      limited: this.#totalLimited,
      keyBytes: this.#table.keyBytes,
    };
  }

  /** Forgets `key` (it comes back fresh). Returns whether it was live. */
  delete(key: string): boolean {
    key = this.#bounded(key);
    const slot = this.#table.get(key);
    if (slot === undefined) return false;
    this.#table.remove(slot);
    return true;
  }

  /** Forgets every key (overrides and totals are kept). */
  clear(): void {
    this.#table.clear();
  }

  /** @internal Reports live keys' counters to OpenTelemetry (see `RateLimitMetrics`). */
  collectCounters(observe: (key: string, requests: number, limited: number) => void): void {
    this.#table.forEach((key, slot) => {
      observe(key, this.#state[slot * STRIDE + REQUESTS]!, this.#state[slot * STRIDE + LIMITED]!);
    });
  }

  /** e.g. `KeyedRateLimiter{ratePerSecond=10, burst=20, maxKeys=100000, maxKeyLength=256, enabled=true}`. */
  toString(): string {
    return `KeyedRateLimiter{ratePerSecond=${this.#defaultRate}, burst=${this.#defaultCapacity}, maxKeys=${this.#table.maxKeys}, maxKeyLength=${this.#maxKeyLength}, enabled=${this.#enabled}}`;
  }

  #admit(key: string, now: number): number {
    const table = this.#table;
    // Lossless first: keys under the clock hand whose bucket has refilled completely.
    this.#evictions += table.evictIdle(
      IDLE_PROBES_PER_ADMISSION,
      (slot) => now - this.#state[slot * STRIDE + LAST]! >= MIN_IDLE_MS && this.#isFull(slot, now),
    );
    if (table.size >= table.maxKeys) {
      const victim = table.evictOne();
      this.#evictions++;
      if (!this.#isFull(victim, now)) this.#forcedEvictions++;
    }
    const slot = table.insert(key);
    const override = this.#overrides.size === 0 ? undefined : this.#overrides.get(key);
    const capacity = override?.capacity ?? this.#defaultCapacity;
    const state = this.#state;
    const at = slot * STRIDE;
    state[at + TOKENS] = capacity;
    state[at + LAST] = now;
    state[at + RATE] = override?.ratePerMs ?? this.#defaultRatePerMs;
    state[at + CAPACITY] = capacity;
    state[at + REQUESTS] = 0;
    state[at + LIMITED] = 0;
    return slot;
  }

  #isFull(slot: number, now: number): boolean {
    return this.#balance(slot, now) >= this.#state[slot * STRIDE + CAPACITY]!;
  }

  #balance(slot: number, now: number): number {
    const state = this.#state;
    const at = slot * STRIDE;
    return refill(
      state[at + TOKENS]!,
      now - state[at + LAST]!,
      state[at + RATE]!,
      state[at + CAPACITY]!,
    );
  }

  /** `key` as the table holds it: checked to be a string, bounded in length. */
  #bounded(key: string): string {
    if (typeof key !== 'string') {
      throw new TypeError(`Expected \`key\` to be a string, got ${describe(key)}`);
    }
    return key.length > this.#maxKeyLength ? boundedKey(key) : key;
  }

  #reconfigure(key: string, ratePerMs: number, capacity: number): void {
    const slot = this.#table.get(key);
    if (slot === undefined) return;
    const now = this.#clock();
    const balance = this.#balance(slot, now); // settle what was earned at the old rate
    const at = slot * STRIDE;
    this.#state[at + TOKENS] = Math.min(balance, capacity);
    this.#state[at + LAST] = nextReading(this.#state[at + LAST]!, now);
    this.#state[at + RATE] = ratePerMs;
    this.#state[at + CAPACITY] = capacity;
  }
}
