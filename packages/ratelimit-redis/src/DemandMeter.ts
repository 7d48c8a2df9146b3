/**
 * The recent rate of a running count, as an exponentially weighted sum over a window: each event
 * adds `1000 / windowMs` tokens per second, and the sum decays by `e^(-elapsed / windowMs)`. So
 * a steady rate reads as itself, and a quiet process reads as near zero one or two windows later.
 */
export class DemandMeter {
  readonly #windowMs: number;
  #rate = 0;
  #total = 0;
  #at: number;

  constructor(windowMs: number, now: number) {
    this.#windowMs = windowMs;
    this.#at = now;
  }

  /** Takes the running count `total` at monotonic time `now` (ms). */
  record(total: number, now: number): void {
    const events = total - this.#total;
    this.#total = total;
    this.#rate = this.perSecond(now) + (events * 1000) / this.#windowMs;
    if (now > this.#at) this.#at = now;
  }

  /** The rate per second at `now`. */
  perSecond(now: number): number {
    const elapsed = now - this.#at;
    return elapsed > 0 ? this.#rate * Math.exp(-elapsed / this.#windowMs) : this.#rate;
  }

  /** e.g. `DemandMeter{windowMs=1000, perSecond=12.5}`. */
  toString(): string {
    return `DemandMeter{windowMs=${this.#windowMs}, perSecond=${this.#rate}}`;
  }
}
