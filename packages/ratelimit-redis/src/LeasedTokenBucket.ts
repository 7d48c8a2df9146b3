import { assertPositiveInteger, assertTakeCount } from '@ferret/internal';
import { type RateBucket, TokenBucket } from '@ferret/ratelimit';
import { DemandMeter } from './DemandMeter.js';
import {
  type LeasedTokenBucketOptions,
  leaseSizeFor,
  type ResolvedLeaseOptions,
  resolveLeaseOptions,
} from './leaseOptions.js';
import { OutageReporter } from './OutageReporter.js';
import { RedisTokenBucket } from './RedisTokenBucket.js';

/** Where a {@link LeasedTokenBucket} takes its tokens from right now. */
export type LeaseMode = 'lease' | 'fallback' | 'closed';

/** A snapshot of a {@link LeasedTokenBucket}, from {@link LeasedTokenBucket.stats}. */
export interface LeasedTokenBucketStats {
  /** `lease` while Redis answers, `fallback` while it does not, `closed` after `close()`. */
  mode: LeaseMode;
  /** Leased tokens held locally, not yet spent (negative while children of recorded traces borrowed). */
  localTokens: number;
  /** Recent demand on this process in tokens per second (what leases are sized from). */
  demandPerSecond: number;
  /** The largest supply this process holds at once. */
  leaseSize: number;
  /** Lease calls answered by Redis. */
  leases: number;
  /** Tokens granted by those leases. */
  leasedTokens: number;
  /** Unused tokens given back to Redis (idle, or on close). */
  returnedTokens: number;
  /** Tokens granted by the local fallback share while Redis was unreachable. */
  fallbackTokens: number;
  /** Fallback tokens already charged to the shared bucket after Redis came back. */
  chargedTokens: number;
  /** Outages: runs of failures with less than a minute between them, each reported once through `onError`. */
  outages: number;
  /** Failed or timed-out Redis calls, all of them. */
  errors: number;
  /** Message of the most recent error, if any. */
  lastError: string | undefined;
}

/**
 * A {@link RateBucket} whose budget is shared by every process through Redis, with a
 * synchronous, local `tryTake()`: `Profiler({ bucket })` and `RateLimitingSampler({ bucket })`
 * take it as they take a `TokenBucket`.
 *
 * Each process holds a small local supply of tokens leased from the shared
 * {@link RedisTokenBucket} and spends it without a round trip. Before the supply runs out a
 * new lease is taken in the background, sized from this process's recent demand (up to
 * `leaseSize`), so a quiet process holds little; a supply unused for a lease period is given
 * back, and so is whatever is left on {@link close}.
 *
 * **The bound.** Across all processes, tokens granted in any interval of `T` seconds are at most
 * `ratePerSecond × T + burst + replicas × leaseSize`: the shared bucket grants at most
 * `rate × T + burst` over the interval, and each process can hold at most `leaseSize` leased
 * before it started.
 *
 * **Redis down or slow.** A lease call that fails or takes longer than half a lease period
 * switches the process to its local share: once its supply is spent it grants up to
 * `fallbackRatePerSecond` (default `ratePerSecond / expectedReplicas`), and the error is reported
 * once through `onError`. Redis is probed once a lease period; when it answers, what was spent
 * on the fallback share is charged to the shared bucket (down to empty), so coming back hands
 * out no second burst. `tryTake()` never throws because of Redis and never waits for it.
 *
 * @example
 * const bucket = new LeasedTokenBucket({ redis, key: 'ferret:spans', ratePerSecond: 200, burst: 200, expectedReplicas: 4 });
 * const profiler = new Profiler({ bucket, sink });
 * // on shutdown
 * await profiler.close();
 * await bucket.close();
 */
export class LeasedTokenBucket implements RateBucket {
  readonly #shared: RedisTokenBucket;
  readonly #options: ResolvedLeaseOptions;
  readonly #demand: DemandMeter;
  readonly #idleTimer: NodeJS.Timeout;
  #leaseSize: number;
  /** Leased tokens not yet spent. */
  #local = 0;
  /** Below this the next lease is requested. */
  #lowWater = 1;
  /** The size the last lease call asked to hold. */
  #target = 1;
  /** A take was refused for want of supply since the last lease call: leases are too small. */
  #ranDry = false;
  /** A lease call is in flight or a retry is scheduled: no second one. */
  #busy = false;
  /** Tokens asked for so far (granted or not): the demand leases are sized from. */
  #takes = 0;
  /** `#takes` when the idle check last looked. */
  #takesAtIdleCheck = 0;
  #fallback: TokenBucket | undefined;
  /** Tokens granted by the fallback share and not yet charged to Redis. */
  #uncharged = 0;
  /** Whether this process has talked to the shared bucket before (its key then exists). */
  #seen = false;
  #closed = false;
  #leases = 0;
  #leasedTokens = 0;
  #returnedTokens = 0;
  #fallbackTokens = 0;
  #chargedTokens = 0;
  readonly #reporter: OutageReporter;

  /** @throws TypeError/RangeError naming the option when an option is missing or invalid. */
  constructor(options: LeasedTokenBucketOptions) {
    this.#options = resolveLeaseOptions(options);
    this.#reporter = new OutageReporter(this.#options.onError);
    const { redis, key, ratePerSecond, capacity, leaseSize, leasePeriodMs } = this.#options;
    this.#shared = new RedisTokenBucket({ redis, key, ratePerSecond, burst: capacity });
    this.#leaseSize = leaseSize;
    this.#demand = new DemandMeter(leasePeriodMs, performance.now());
    this.#idleTimer = setInterval(() => this.#onIdleCheck(), leasePeriodMs);
    this.#idleTimer.unref();
  }

  /** Tokens added per second to the shared bucket (the whole fleet's budget). */
  get ratePerSecond(): number {
    return this.#shared.ratePerSecond;
  }

  /** The shared bucket's burst. */
  get burst(): number {
    return this.#shared.burst;
  }

  /** The same as {@link burst}. */
  get capacity(): number {
    return this.#shared.burst;
  }

  /** The largest supply this process holds at once. */
  get leaseSize(): number {
    return this.#leaseSize;
  }

  /** Where tokens come from now. */
  get mode(): LeaseMode {
    if (this.#closed) return 'closed';
    return this.#fallback === undefined ? 'lease' : 'fallback';
  }

  /**
   * Takes `n` tokens (default 1) from the local supply, or from the fallback share while Redis is
   * unreachable. Synchronous and local: never waits for Redis, never throws because of it.
   * @throws RangeError when `n` is not a positive integer or exceeds `leaseSize`.
   */
  tryTake(n = 1): boolean {
    if (n !== 1) this.#checkCount(n);
    this.#takes += n;
    const left = this.#local - n;
    if (left >= 0) {
      this.#local = left;
      if (left < this.#lowWater && !this.#busy) this.#requestLease();
      return true;
    }
    return this.#takeShort(n);
  }

  /**
   * Takes `n` tokens even past the local supply (debt the next lease pays back first); used by
   * the profiler to keep an admitted trace whole.
   */
  forceTake(n = 1): void {
    if (n !== 1) assertPositiveInteger('tokens', n);
    this.#takes += n;
    if (this.#fallback !== undefined && this.#local < n) {
      this.#fallback.forceTake(n);
      this.#spentOnFallback(n);
    } else {
      this.#local -= n;
    }
    if (this.#local < this.#lowWater && !this.#busy) this.#requestLease();
  }

  /** Tokens this process can grant now without asking Redis (negative while in debt). */
  available(): number {
    const fallback = this.#fallback;
    return fallback === undefined ? this.#local : this.#local + fallback.available();
  }

  /**
   * An estimate of the milliseconds until `tryTake(n)` could succeed: 0 with enough local supply;
   * otherwise the time the fleet's rate (or the fallback share) needs to earn the rest.
   */
  retryAfterMs(n = 1): number {
    this.#checkCount(n);
    if (this.#local >= n) return 0;
    if (this.#fallback !== undefined) return this.#fallback.retryAfterMs(n);
    const rate = this.#shared.ratePerSecond;
    if (rate === 0) return Number.POSITIVE_INFINITY;
    return Math.ceil(((n - Math.max(0, this.#local)) * 1000) / rate);
  }

  /** Fills the shared bucket to its burst (in the background; a failure goes to `onError`). */
  reset(): void {
    this.#shared.reset().catch((error: unknown) => this.#onFailure(error));
  }

  /**
   * Changes the fleet's rate (and burst, default `max(1, ratePerSecond)`) this process refills
   * the shared bucket with from its next call; `leaseFraction` follows the new burst. Every
   * process sharing the key should use the same values.
   */
  setRate(ratePerSecond: number, burst?: number): void {
    this.#shared.setRate(ratePerSecond, burst);
    const capacity = this.#shared.burst;
    const { leaseFraction } = this.#options;
    this.#leaseSize =
      leaseFraction === undefined
        ? Math.min(this.#options.leaseSize, capacity)
        : leaseSizeFor(capacity, leaseFraction);
    this.#fallback?.setRate(this.#fallbackRate(), this.#fallbackBurst());
  }

  /**
   * Stops the background work and gives the unused local supply back to the shared bucket.
   * Never rejects; `tryTake()` refuses from then on.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#idleTimer);
    await this.#returnLocal();
  }

  /** The same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** A snapshot of counters and state. */
  stats(): LeasedTokenBucketStats {
    return {
      mode: this.mode,
      localTokens: this.#local,
      demandPerSecond: this.#demand.perSecond(performance.now()),
      leaseSize: this.#leaseSize,
      leases: this.#leases,
      leasedTokens: this.#leasedTokens,
      returnedTokens: this.#returnedTokens,
      fallbackTokens: this.#fallbackTokens,
      chargedTokens: this.#chargedTokens,
      outages: this.#reporter.outages,
      errors: this.#reporter.errors,
      lastError: this.#reporter.lastError,
    };
  }

  /**
   * e.g. `LeasedTokenBucket{key="ferret:spans", ratePerSecond=200, burst=200, leaseSize=20,
   * leasePeriodMs=1000, mode=lease}`.
   */
  toString(): string {
    return `LeasedTokenBucket{key=${JSON.stringify(this.#options.key)}, ratePerSecond=${this.ratePerSecond}, burst=${this.burst}, leaseSize=${this.#leaseSize}, leasePeriodMs=${this.#options.leasePeriodMs}, mode=${this.mode}}`;
  }

  #takeShort(n: number): boolean {
    this.#ranDry = true;
    if (!this.#busy) this.#requestLease();
    const fallback = this.#fallback;
    if (fallback === undefined || this.#closed) return false;
    // Spend what is left of the lease first, the fallback share only for the rest.
    const fromLocal = Math.max(0, this.#local);
    if (!fallback.tryTake(n - fromLocal)) return false;
    this.#local -= fromLocal;
    this.#spentOnFallback(n - fromLocal);
    return true;
  }

  #spentOnFallback(n: number): void {
    this.#uncharged += n;
    this.#fallbackTokens += n;
  }

  /** Starts one lease call in the background (the caller checked `#busy`). Never throws. */
  #requestLease(): void {
    if (this.#closed) return;
    this.#busy = true;
    const now = performance.now();
    this.#demand.record(this.#takes, now);
    const perSecond = this.#demand.perSecond(now);
    let target = Math.max(1, Math.ceil((perSecond * this.#options.leasePeriodMs) / 1000));
    // Ran dry since the last call: the demand estimate lags (a new or a busier replica), so
    // at least double the last lease (slow start), up to the cap.
    if (this.#ranDry) target = Math.max(target, 2 * this.#target);
    target = Math.min(this.#leaseSize, target);
    this.#target = target;
    this.#ranDry = false;
    this.#lowWater = Math.max(1, Math.ceil(target / 2));
    const want = Math.max(0, target - this.#local);
    const charge = this.#uncharged;
    let answered = false;
    const timeoutMs = this.#options.leasePeriodMs / 2;
    const timeout = setTimeout(() => {
      // Timers run before pending I/O in an event loop turn: after a stall, let a reply that
      // already arrived be read before calling the lease late.
      setImmediate(() => {
        if (!answered) {
          const key = JSON.stringify(this.#options.key);
          this.#onFailure(new Error(`Redis lease on ${key} took longer than ${timeoutMs} ms`));
        }
      });
    }, timeoutMs);
    timeout.unref();
    let call: Promise<{ granted: number; retryAfterMs: number }>;
    try {
      call = this.#shared.lease(want, {
        charge,
        initialTokens: this.#seen ? 0 : this.#shared.burst,
      });
    } catch (error) {
      call = Promise.reject(error);
    }
    call.then(
      (reply) => {
        answered = true;
        clearTimeout(timeout);
        this.#onLease(reply.granted, reply.retryAfterMs, want, charge);
      },
      (error: unknown) => {
        answered = true;
        clearTimeout(timeout);
        this.#onFailure(error);
        this.#retryAfter(this.#options.leasePeriodMs);
      },
    );
  }

  #onLease(granted: number, retryAfterMs: number, want: number, charge: number): void {
    this.#seen = true;
    this.#leases++;
    this.#leasedTokens += granted;
    this.#uncharged -= charge;
    this.#chargedTokens += charge;
    this.#fallback = undefined; // Redis answers: back to leases (the outage is over)
    if (this.#closed) {
      this.#busy = false;
      if (granted > 0) this.#giveBack(granted);
      return;
    }
    this.#local += granted;
    if (granted < want && this.#local < this.#lowWater) {
      // The shared bucket is short: ask again when it should hold the rest, within a period.
      this.#retryAfter(Math.min(Math.max(1, retryAfterMs), this.#options.leasePeriodMs));
    } else {
      this.#busy = false;
    }
  }

  #retryAfter(ms: number): void {
    this.#busy = true;
    setTimeout(() => {
      this.#busy = false;
      if (this.#local < this.#lowWater || this.#fallback !== undefined) this.#requestLease();
    }, ms).unref();
  }

  /** Records a failed or timed-out call (reported once per outage) and switches to the fallback share. */
  #onFailure(error: unknown): void {
    if (this.#closed) {
      this.#reporter.errors++;
      return;
    }
    if (this.#fallback === undefined) {
      // Starts empty: the fallback share grants what it earns from now on, never a burst.
      this.#fallback = new TokenBucket({
        ratePerSecond: this.#fallbackRate(),
        capacity: this.#fallbackBurst(),
        initialTokens: 0,
      });
    }
    this.#reporter.fail(error);
  }

  #fallbackRate(): number {
    return (
      this.#options.fallbackRatePerSecond ??
      this.#shared.ratePerSecond / this.#options.expectedReplicas
    );
  }

  #fallbackBurst(): number {
    return Math.max(1, Math.min(this.#leaseSize, this.#fallbackRate()));
  }

  /** Once a lease period: forgets stale demand and gives back a supply nobody used. */
  #onIdleCheck(): void {
    const idle = this.#takes === this.#takesAtIdleCheck;
    this.#takesAtIdleCheck = this.#takes;
    this.#demand.record(this.#takes, performance.now());
    if (idle && this.#local > 0 && !this.#busy && this.#fallback === undefined) {
      void this.#returnLocal();
    }
  }

  async #returnLocal(): Promise<void> {
    const unused = this.#local;
    if (unused <= 0) return;
    this.#local = 0;
    await this.#giveBack(unused);
  }

  async #giveBack(tokens: number): Promise<void> {
    try {
      await this.#shared.refund(tokens);
      this.#returnedTokens += tokens;
    } catch (error) {
      this.#onFailure(error); // the tokens are lost to the fleet: conservative, never a burst
    }
  }

  #checkCount(n: number): void {
    assertTakeCount(n, this.#leaseSize, 'from a leased bucket of leaseSize');
  }
}
