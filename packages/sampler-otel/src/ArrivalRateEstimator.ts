/**
 * Estimates the rate of events from their arrival times by exponential smoothing over irregular
 * intervals (Wright 1986, as OpenTelemetry Java's consistent rate-limiting sampler does): it keeps
 * a decayed count of arrivals and a decayed sum of the gaps between them, so `count ÷ time` is
 * the recent rate, with older arrivals weighing `exp(-age / adaptationTimeMs)`. Constant memory,
 * one `Math.exp` per arrival. It starts as if events had been arriving at `initialPerMs`, one
 * arrival short: the first arrival reads `initialPerMs` whenever it comes.
 */
export class ArrivalRateEstimator {
  readonly #adaptationTimeMs: number;
  #count: number;
  #time: number;
  #last: number;

  constructor(adaptationTimeMs: number, initialPerMs: number, now: number) {
    this.#adaptationTimeMs = adaptationTimeMs;
    this.#time = adaptationTimeMs;
    // One arrival short of the initial rate, so that the first arrival reads exactly that rate
    // (a fresh sampler targeting it samples its first root) however soon it comes.
    this.#count = Math.max(0, initialPerMs * adaptationTimeMs - 1);
    this.#last = now;
  }

  /** Records one arrival at `now` (monotonic ms) and returns the estimated rate, per ms. */
  arrive(now: number): number {
    const gap = now - this.#last;
    if (gap > 0) {
      const decay = Math.exp(-gap / this.#adaptationTimeMs);
      this.#count = this.#count * decay + 1;
      this.#time = this.#time * decay + gap;
      this.#last = now;
    } else {
      this.#count += 1; // same instant, or a clock that stepped back: no time passed
    }
    return this.#time > 0 ? this.#count / this.#time : Number.POSITIVE_INFINITY;
  }

  /** `ArrivalRateEstimator{adaptationTimeMs=...}`. */
  toString(): string {
    return `ArrivalRateEstimator{adaptationTimeMs=${this.#adaptationTimeMs}}`;
  }
}
