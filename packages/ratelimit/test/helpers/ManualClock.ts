/**
 * A hand-driven monotonic clock in milliseconds: the limiter under test reads `clock`, the test
 * moves time with `advance`, so nothing sleeps.
 */
export class ManualClock {
  #now: number;

  constructor(start = 0) {
    this.#now = start;
  }

  /** The clock to inject (`{ clock: time.clock }`); bound, so it can be passed around alone. */
  readonly clock = (): number => this.#now;

  advance(ms: number): void {
    this.#now += ms;
  }
}
