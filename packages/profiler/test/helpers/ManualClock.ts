/** A monotonic clock driven by hand (ms), counting its reads. */
export class ManualClock {
  now = 0;
  reads = 0;
  readonly read = (): number => {
    this.reads++;
    return this.now;
  };

  advance(ms: number): void {
    this.now += ms;
  }
}
