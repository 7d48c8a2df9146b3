import { type Clock, type RateBucket, TokenBucket } from '@ferret/ratelimit';
import type { NameEntry } from './NameEntry.js';
import type { NameTable } from './NameTable.js';

// How roots are admitted, fixed by the budget so that the hot path does one integer compare.
const MODE_BUDGET = 0; // token bucket with fair shares
const MODE_ALL = 1; // maxSpansPerSecond: Infinity
const MODE_NONE = 2; // maxSpansPerSecond: 0

/** {@link RootAdmission.admit}: the root is not recorded. @internal */
export const DROP = 0;
/** {@link RootAdmission.admit}: the name had a fair-share token; children charge the share too. @internal */
export const VIA_SHARE = 1;
/** {@link RootAdmission.admit}: admitted on spare global tokens above the reserve. @internal */
export const BEYOND_SHARE = 2;

/** Options of {@link RootAdmission}. @internal */
export interface RootAdmissionOptions {
  /** A bucket to take the budget from; without one, a {@link TokenBucket} is built. */
  bucket: RateBucket | undefined;
  maxSpansPerSecond: number;
  burst: number;
  /** The profiler's cached clock (its last reading), read by the bucket it builds. */
  clock: Clock;
  /** The name table whose fair shares are cut from the budget. */
  names: NameTable;
}

/**
 * The root admission policy: whether a new trace is recorded. A root is admitted when its name
 * has a fair-share token and the global bucket has one, or when the global bucket holds more than
 * a reserve (half the burst) kept for names under their share. Children of an admitted trace
 * borrow from the future (bucket debt) so traces stay whole.
 * @internal
 */
export class RootAdmission {
  readonly #bucket: RateBucket;
  /** True when the bucket was built here (not passed in the options). */
  readonly ownBucket: boolean;
  readonly #names: NameTable;
  /** The budget now in force, spans per second. */
  rate = 0;
  /** The burst now in force. */
  burst = 1;
  /** Global tokens kept for names under their fair share. */
  #reserve = 0;
  #mode = MODE_BUDGET;

  constructor(options: RootAdmissionOptions) {
    this.#names = options.names;
    if (options.bucket !== undefined) {
      this.#bucket = options.bucket;
      this.ownBucket = false;
    } else {
      const rate = options.maxSpansPerSecond;
      this.#bucket = new TokenBucket({
        ratePerSecond: rate,
        capacity: rate === Number.POSITIVE_INFINITY ? rate : options.burst,
        initialTokens: rate === 0 ? 0 : undefined,
        clock: options.clock,
      });
      this.ownBucket = true;
    }
    this.#apply(options.maxSpansPerSecond, options.burst);
  }

  /**
   * Decides one root call of `entry` at monotonic time `now` (already counted in `entry.calls`):
   * {@link DROP}, {@link VIA_SHARE} or {@link BEYOND_SHARE}. A refusal under a budget records in
   * `entry.blockedUntil` when the name could next be admitted.
   */
  admit(entry: NameEntry, now: number): number {
    if (this.#mode === MODE_BUDGET) {
      const share = entry.share;
      const bucket = this.#bucket;
      let admission: number;
      if (share.available() >= 1) {
        admission = bucket.tryTake() ? VIA_SHARE : DROP;
        if (admission === VIA_SHARE) share.forceTake();
      } else {
        admission = bucket.available() > this.#reserve && bucket.tryTake() ? BEYOND_SHARE : DROP;
      }
      if (admission === DROP) entry.blockedUntil = now + this.#msUntilAdmissible(entry);
      return admission;
    }
    return this.#mode === MODE_ALL ? BEYOND_SHARE : DROP;
  }

  /** Charges one recorded child of a trace whose root took `rootShare` (if any). */
  chargeChild(rootShare: RateBucket | undefined): void {
    if (this.#mode !== MODE_BUDGET) return;
    this.#bucket.forceTake();
    rootShare?.forceTake();
  }

  /**
   * Changes the budget. The bucket keeps its balance (clamped to the new burst), so a change
   * never hands out a fresh burst; fair shares follow on each name's next call. `burst` defaults
   * to `max(1, maxSpansPerSecond)` (Infinity with an unlimited rate). Arguments are checked by the caller.
   */
  setBudget(maxSpansPerSecond: number, burst: number | undefined): void {
    const capacity =
      maxSpansPerSecond === Number.POSITIVE_INFINITY
        ? Number.POSITIVE_INFINITY
        : (burst ?? Math.max(1, maxSpansPerSecond));
    this.#bucket.setRate(maxSpansPerSecond, capacity);
    this.#apply(maxSpansPerSecond, capacity);
  }

  /** `RootAdmission{rate=..., burst=..., bucket=own|...}`. */
  toString(): string {
    return `RootAdmission{rate=${this.rate}, burst=${this.burst}, bucket=${this.describeBucket()}}`;
  }

  /** The bucket as `toString()` shows it: `own` when built here. */
  describeBucket(): string {
    return this.ownBucket ? 'own' : String(this.#bucket);
  }

  /**
   * After a refusal: how long until a root of this name could possibly be admitted, i.e. until
   * (share >= 1 and global >= 1) or global > reserve, assuming no one else takes tokens (others
   * taking only makes it later). Calls before then are refused without touching a bucket.
   */
  #msUntilAdmissible(entry: NameEntry): number {
    const perMs = this.rate / 1000;
    if (!(perMs > 0) || !Number.isFinite(perMs)) return 0;
    const global = this.#bucket.available();
    const share = entry.share.available();
    const sharePerMs = entry.share.ratePerSecond / 1000;
    const untilGlobalToken = global >= 1 ? 0 : (1 - global) / perMs;
    const untilShareToken =
      share >= 1 ? 0 : sharePerMs > 0 ? (1 - share) / sharePerMs : Number.POSITIVE_INFINITY;
    const untilAboveReserve = Math.max(0, (Math.max(this.#reserve, 1) - global) / perMs);
    return Math.min(Math.max(untilShareToken, untilGlobalToken), untilAboveReserve);
  }

  #apply(rate: number, burst: number): void {
    this.rate = rate;
    this.burst = burst;
    this.#reserve = Number.isFinite(burst) ? burst / 2 : 0;
    this.#mode =
      rate === Number.POSITIVE_INFINITY ? MODE_ALL : rate === 0 ? MODE_NONE : MODE_BUDGET;
    this.#names.setBudget(rate, burst);
  }
}
