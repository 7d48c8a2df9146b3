import { type RateBucket, TokenBucket, type TokenBucketOptions } from '@ferret/ratelimit';

/** A TokenBucket that counts what the profiler takes from it. */
export class CountingBucket implements RateBucket {
  readonly inner: TokenBucket;
  tryTakes = 0;
  granted = 0;
  forced = 0;

  constructor(options: TokenBucketOptions) {
    this.inner = new TokenBucket(options);
  }

  tryTake(n = 1): boolean {
    this.tryTakes++;
    const ok = this.inner.tryTake(n);
    if (ok) this.granted += n;
    return ok;
  }

  forceTake(n = 1): void {
    this.forced += n;
    this.inner.forceTake(n);
  }

  available(): number {
    return this.inner.available();
  }

  retryAfterMs(n = 1): number {
    return this.inner.retryAfterMs(n);
  }

  reset(): void {
    this.inner.reset();
  }

  setRate(ratePerSecond: number, capacity?: number): void {
    this.inner.setRate(ratePerSecond, capacity);
  }

  get ratePerSecond(): number {
    return this.inner.ratePerSecond;
  }

  get capacity(): number {
    return this.inner.capacity;
  }
}
