/**
 * The refill arithmetic every token bucket in the package shares (`TokenBucket`,
 * `KeyedRateLimiter`'s per-key buckets, and through them `RateLimiter`), with the guards against
 * a faulty injected clock in one place:
 *
 * - a reading that steps back (NTP on a wall clock) earns nothing and is followed from there, so
 *   a step never turns into `rate × step` of debt or credit;
 * - a `NaN` reading earns nothing and is ignored (the last good reading is kept), so a broken
 *   clock never opens a bucket;
 * - `Infinity × 0 ms` (an unlimited rate read twice in the same millisecond) is `NaN`, and lands
 *   on capacity: an infinite rate always allows.
 *
 * Internal: not exported from the package.
 */

/**
 * Tokens after `elapsedMs` of refilling `tokens` at `ratePerMs`, never above `capacity`. A
 * negative or `NaN` elapsed time (a clock that stepped back or failed) earns nothing.
 */
export function refill(
  tokens: number,
  elapsedMs: number,
  ratePerMs: number,
  capacity: number,
): number {
  if (!(elapsedMs >= 0)) return tokens; // stepped back or NaN: no credit
  const next = tokens + elapsedMs * ratePerMs;
  // biome-ignore lint/complexity/useMathMinMax: Math.min keeps NaN (Infinity × 0 ms); this maps it to capacity
  return next <= capacity ? next : capacity;
}

/** The reading to refill from next time: `now`, unless it is `NaN` (then the last good one). */
export function nextReading(last: number, now: number): number {
  // biome-ignore lint/suspicious/noSelfCompare: the cheapest NaN test on a hot path
  return now === now ? now : last;
}

/**
 * Milliseconds until `available` tokens grow to `needed` at `ratePerMs`: 0 when they are there
 * already, `Infinity` at a zero rate. Tight: waiting that long suffices, 1 ms less does not
 * (the quotient can round down past an integer, so the result is checked once).
 */
export function waitFor(needed: number, available: number, ratePerMs: number): number {
  const missing = needed - available;
  if (missing <= 0) return 0;
  if (ratePerMs === 0) return Number.POSITIVE_INFINITY;
  let wait = Math.ceil(missing / ratePerMs);
  if (available + wait * ratePerMs < needed) wait++;
  return wait;
}

/**
 * An injected clock made safe for limiters that bucket time (the sliding window): readings never
 * go backwards and a `NaN` reading repeats the last good one. After a step back, time stands
 * still at the last reading and then advances as the clock advances, so the limiter neither
 * refuses everything until the clock catches up nor forgets the window it has.
 */
export class SteadyClock {
  readonly #read: () => number;
  #offset = 0;
  #last: number;

  constructor(read: () => number) {
    this.#read = read;
    const first = read();
    this.#last = Number.isNaN(first) ? 0 : first;
  }

  /** The guarded reading. */
  now(): number {
    const raw = this.#read();
    // biome-ignore lint/suspicious/noSelfCompare: NaN test
    if (raw !== raw) return this.#last;
    const shifted = raw + this.#offset;
    if (shifted < this.#last) {
      this.#offset += this.#last - shifted;
      return this.#last;
    }
    this.#last = shifted;
    return shifted;
  }
}
