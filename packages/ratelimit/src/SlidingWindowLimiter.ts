import { type Clock, monotonicClock } from './clock.js';
import type { KeyedLimiterStats, RateLimitDecision } from './KeyedRateLimiter.js';
import { grown, KeyTable } from './KeyTable.js';
import { RateLimitMetrics } from './RateLimitMetrics.js';
import { SteadyClock } from './refill.js';
import {
  assertBoolean,
  assertFunction,
  assertKeyLengthBound,
  assertKnownOptions,
  assertOptionsObject,
  assertPositiveInteger,
  assertPositiveNumber,
  boundedKey,
  DEFAULT_MAX_KEY_LENGTH,
  describe,
  optionKeys,
} from './validate.js';

/** Options for {@link SlidingWindowLimiter}. */
export interface SlidingWindowLimiterOptions {
  /** Most events admitted per key in any window of `windowMs`. Required; a positive integer. */
  limit: number;
  /** Window length in milliseconds. Required. */
  windowMs: number;
  /**
   * Sub-windows per window (1–1000). More is more precise (an event may be refused at most
   * `windowMs / precision` ms early) and costs 4 bytes per sub-window per key. Default 10.
   */
  precision?: number;
  /** Most keys held at once; beyond it a key is evicted (CLOCK: approximately least recently used). Default 100,000. */
  maxKeys?: number;
  /** Longest key kept as is; a longer one is replaced by a prefix and its SHA-256 (see `KeyedRateLimiter`). Default 256. */
  maxKeyLength?: number;
  /** `false` allows every check (fail-open) while still counting. Default `true`. */
  enabled?: boolean;
  /** Monotonic milliseconds. Default `performance.now`. */
  clock?: Clock;
  /** Report per-key counters through OpenTelemetry metrics when a MeterProvider is registered. Default `true`. */
  metrics?: boolean;
}

/** Every key of {@link SlidingWindowLimiterOptions}: any other key is refused (a misspelt option). */
const SLIDING_WINDOW_LIMITER_OPTION_KEYS = optionKeys<SlidingWindowLimiterOptions>({
  limit: true,
  windowMs: true,
  precision: true,
  maxKeys: true,
  maxKeyLength: true,
  enabled: true,
  clock: true,
  metrics: true,
});

/** Counters and room of one key of a {@link SlidingWindowLimiter}. */
export interface WindowUsage {
  /** Checks made for this key since it became live. */
  requests: number;
  /** Checks refused (or, when disabled, that would have been refused). */
  limited: number;
  /** Events the key's window admits now: `limit` minus the events counted in the window. */
  remaining: number;
}

const DEFAULT_MAX_KEYS = 100_000;
const IDLE_PROBES_PER_ADMISSION = 2;
const MAX_LIMIT = 0xffff_ffff;

/**
 * At most `limit` events per key in any window of `windowMs`, with bounded memory per key.
 *
 * **Precision.** Each key keeps `precision + 1` counters of `windowMs / precision` ms each (a
 * ring) instead of a log of timestamps. A check counts every event in the sub-windows that
 * overlap the last `windowMs`: a superset of the exact window. Hence the guarantee is strict
 * (never more than `limit` events in any `windowMs` interval, for any traffic) and the error is
 * one-sided: an event may be refused up to `windowMs / precision` ms before an exact
 * sliding log would admit it (10% of the window at the default precision). `retryAfterMs` is
 * exact for this model: waiting that long makes the next check succeed.
 *
 * Memory: `4 × (precision + 1)` bytes of counters per key plus the key table (about 60 bytes),
 * and at most `maxKeys` keys. A key whose window has emptied is evicted first (losslessly);
 * beyond `maxKeys` a key is evicted by CLOCK (approximately least recently used; keys seen once
 * go first) and **comes back with an empty window**.
 *
 * @example
 * const logins = new SlidingWindowLimiter({ limit: 5, windowMs: 60_000 });
 * const { allowed, retryAfterMs } = logins.check(username);
 */
export class SlidingWindowLimiter {
  /** The clock, guarded when injected: never backwards, a NaN reading repeats the last one. */
  readonly #clock: Clock;
  readonly #maxKeyLength: number;
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #precision: number;
  /** Counters per key: precision + 1 sub-windows. */
  readonly #ring: number;
  readonly #subWindowMs: number;
  readonly #table: KeyTable;
  #enabled: boolean;
  #counts = new Uint32Array(0);
  /** Index (time / subWindowMs) of the newest sub-window of each key's ring. */
  #newest = new Float64Array(0);
  #requests = new Float64Array(0);
  #limited = new Float64Array(0);
  #evictions = 0;
  #forcedEvictions = 0;
  #totalRequests = 0;
  #totalLimited = 0;

  constructor(options: SlidingWindowLimiterOptions) {
    assertOptionsObject('options', options);
    assertKnownOptions('SlidingWindowLimiter', options, SLIDING_WINDOW_LIMITER_OPTION_KEYS);
    if (options === undefined)
      throw new TypeError('Expected `options` with `limit` and `windowMs`');
    const {
      limit,
      windowMs,
      precision = 10,
      maxKeys = DEFAULT_MAX_KEYS,
      maxKeyLength = DEFAULT_MAX_KEY_LENGTH,
      enabled = true,
      clock = monotonicClock,
      metrics = true,
    } = options;
    assertPositiveInteger('limit', limit);
    if (limit > MAX_LIMIT)
      throw new RangeError(`Expected \`limit\` to be <= ${MAX_LIMIT}, got ${limit}`);
    assertPositiveNumber('windowMs', windowMs);
    assertPositiveInteger('precision', precision);
    if (precision > 1000)
      throw new RangeError(`Expected \`precision\` to be <= 1000, got ${precision}`);
    assertPositiveInteger('maxKeys', maxKeys);
    assertKeyLengthBound(maxKeyLength);
    assertBoolean('enabled', enabled);
    assertBoolean('metrics', metrics);
    assertFunction('clock', clock);
    if (clock === monotonicClock) {
      this.#clock = clock;
    } else {
      const steady = new SteadyClock(clock as Clock);
      this.#clock = () => steady.now();
    }
    this.#maxKeyLength = maxKeyLength;
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#precision = precision;
    this.#ring = precision + 1;
    this.#subWindowMs = windowMs / precision;
    this.#enabled = enabled;
    this.#table = new KeyTable(maxKeys, (size) => {
      this.#counts = grown(this.#counts, size * this.#ring);
      this.#newest = grown(this.#newest, size);
      this.#requests = grown(this.#requests, size);
      this.#limited = grown(this.#limited, size);
    });
    if (metrics) RateLimitMetrics.global.track(this);
  }

  /** Whether checks are enforced (`false`: fail-open, still counting). */
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

  /**
   * Records one event for `key` if fewer than `limit` happened in the window; a refused event is
   * not recorded. While disabled every check is allowed and the would-be refusals are counted.
   */
  check(key: string): RateLimitDecision {
    key = this.#bounded(key);
    const now = this.#clock();
    const current = Math.floor(now / this.#subWindowMs);
    let slot = this.#table.get(key);
    if (slot === undefined) slot = this.#admit(key, current);
    else this.#table.markUsed(slot);
    const count = this.#advance(slot, current);
    this.#requests[slot]!++;
    this.#totalRequests++;
    if (count < this.#limit) {
      this.#counts[slot * this.#ring + position(current, this.#ring)]!++;
      return { allowed: true, retryAfterMs: 0, remaining: this.#limit - count - 1 };
    }
    this.#limited[slot]!++;
    this.#totalLimited++;
    if (!this.#enabled) return { allowed: true, retryAfterMs: 0, remaining: 0 };
    return {
      allowed: false,
      retryAfterMs: this.#retryAfter(slot, current, count, now),
      remaining: 0,
    };
  }

  /** Counters of `key` and how many more events its window admits now. */
  usage(key: string): WindowUsage {
    key = this.#bounded(key);
    const slot = this.#table.get(key);
    if (slot === undefined) return { requests: 0, limited: 0, remaining: this.#limit };
    const current = Math.floor(this.#clock() / this.#subWindowMs);
    const count = this.#advance(slot, current);
    return {
      requests: this.#requests[slot]!,
      limited: this.#limited[slot]!,
      remaining: Math.max(0, this.#limit - count),
    };
  }

  /** Totals, including keys evicted since (same shape as `KeyedRateLimiter.stats()`). */
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

  /** Forgets `key` (its window starts empty). */
  delete(key: string): boolean {
    key = this.#bounded(key);
    const slot = this.#table.get(key);
    if (slot === undefined) return false;
    this.#table.remove(slot);
    return true;
  }

  /** @internal Reports live keys' counters to OpenTelemetry. */
  collectCounters(observe: (key: string, requests: number, limited: number) => void): void {
    this.#table.forEach((key, slot) => {
      observe(key, this.#requests[slot]!, this.#limited[slot]!);
    });
  }

  /** e.g. `SlidingWindowLimiter{limit=5, windowMs=60000, precision=10, maxKeys=100000, maxKeyLength=256, enabled=true}`. */
  toString(): string {
    return `SlidingWindowLimiter{limit=${this.#limit}, windowMs=${this.#windowMs}, precision=${this.#precision}, maxKeys=${this.#table.maxKeys}, maxKeyLength=${this.#maxKeyLength}, enabled=${this.#enabled}}`;
  }

  /** `key` as the table holds it: checked to be a string, bounded in length. */
  #bounded(key: string): string {
    if (typeof key !== 'string')
      throw new TypeError(`Expected \`key\` to be a string, got ${describe(key)}`);
    return key.length > this.#maxKeyLength ? boundedKey(key) : key;
  }

  /** Moves `slot`'s ring forward to sub-window `current`, clearing what fell out; returns the events in it. */
  #advance(slot: number, current: number): number {
    const ring = this.#ring;
    const base = slot * ring;
    const newest = this.#newest[slot]!;
    if (current > newest) {
      const stale = current - newest;
      if (stale >= ring) this.#counts.fill(0, base, base + ring);
      else for (let b = newest + 1; b <= current; b++) this.#counts[base + position(b, ring)] = 0;
      this.#newest[slot] = current;
    }
    let count = 0;
    for (let i = 0; i < ring; i++) count += this.#counts[base + i]!;
    return count;
  }

  /** When enough of the oldest sub-windows have left the window for one more event to fit. */
  #retryAfter(slot: number, current: number, count: number, now: number): number {
    const ring = this.#ring;
    const base = slot * ring;
    let leaving = 0;
    for (let b = current - this.#precision; b <= current; b++) {
      leaving += this.#counts[base + position(b, ring)]!;
      if (count - leaving < this.#limit) {
        // sub-window b stops overlapping the window once the current sub-window is b + ring
        const target = b + ring;
        // The smallest whole wait that reaches sub-window `target`, checked with the same
        // division check() uses, so float rounding cannot make it one off either way.
        const sub = this.#subWindowMs;
        let wait = Math.max(1, Math.ceil(target * sub - now));
        while (Math.floor((now + wait) / sub) < target) wait++;
        while (wait > 1 && Math.floor((now + wait - 1) / sub) >= target) wait--;
        return wait;
      }
    }
    return Math.ceil(this.#windowMs); // unreachable while count >= limit > 0
  }

  #admit(key: string, current: number): number {
    const table = this.#table;
    // A ring whose newest sub-window has left the window is empty: evicting it loses nothing.
    const isEmpty = (slot: number) => current - this.#newest[slot]! >= this.#ring;
    this.#evictions += table.evictIdle(IDLE_PROBES_PER_ADMISSION, isEmpty);
    if (table.size >= table.maxKeys) {
      const victim = table.evictOne();
      this.#evictions++;
      if (!isEmpty(victim)) this.#forcedEvictions++;
    }
    const slot = table.insert(key);
    const base = slot * this.#ring;
    this.#counts.fill(0, base, base + this.#ring);
    this.#newest[slot] = current;
    this.#requests[slot] = 0;
    this.#limited[slot] = 0;
    return slot;
  }
}

/** Ring position of sub-window `index` (also for negative indices from an injected clock). */
function position(index: number, ring: number): number {
  const p = index % ring;
  return p < 0 ? p + ring : p;
}
