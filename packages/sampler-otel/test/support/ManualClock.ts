/** A hand-driven monotonic clock for tests: `clock.now` is read by the code under test. */
export class ManualClock {
  ms = 0;
  readonly now = (): number => this.ms;

  advance(ms: number): void {
    this.ms += ms;
  }
}
