// Clocks are injectable, so they can misbehave: a wall clock stepped back by NTP, a NaN from a
// broken computation. Neither may starve the bucket for the length of the step nor open it.
import { describe, expect, it } from 'vitest';
import { KeyedRateLimiter } from '../src/KeyedRateLimiter.js';
import { RateLimitExceededError } from '../src/RateLimitExceededError.js';
import { RateLimiter } from '../src/RateLimiter.js';
import { SharedTokenBucket } from '../src/SharedTokenBucket.js';
import { SlidingWindowLimiter } from '../src/SlidingWindowLimiter.js';
import { TokenBucket } from '../src/TokenBucket.js';

function settableClock(start: number) {
  let now = start;
  return { clock: () => now, set: (t: number) => (now = t) };
}

describe('TokenBucket with a faulty clock', () => {
  it('a step back earns nothing and adds no debt; refill resumes from the new reading', () => {
    const time = settableClock(1_000_000);
    const bucket = new TokenBucket({ ratePerSecond: 10, capacity: 10, clock: time.clock });
    for (let i = 0; i < 10; i++) expect(bucket.tryTake()).toBe(true);
    time.set(1_000_000 - 3_600_000); // one hour back
    expect(bucket.available()).toBe(0);
    time.set(1_000_000 - 3_600_000 + 500); // half a second later: 5 tokens, not -35,995
    expect(bucket.available()).toBeCloseTo(5, 9);
    expect(bucket.retryAfterMs(5)).toBe(0);
  });

  it('a NaN reading grants nothing and is ignored', () => {
    const time = settableClock(0);
    const bucket = new TokenBucket({ ratePerSecond: 1, capacity: 1, clock: time.clock });
    expect(bucket.tryTake()).toBe(true);
    time.set(Number.NaN);
    let granted = 0;
    for (let i = 0; i < 1000; i++) if (bucket.tryTake()) granted++;
    expect(granted).toBe(0);
    time.set(1000); // one second after the last good reading
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
  });

  it('ratePerSecond: Infinity still always allows when no time passes', () => {
    const time = settableClock(5);
    const bucket = new TokenBucket({
      ratePerSecond: Number.POSITIVE_INFINITY,
      capacity: 3,
      clock: time.clock,
    });
    for (let i = 0; i < 100; i++) expect(bucket.tryTake()).toBe(true);
  });
});

describe('SharedTokenBucket with a faulty clock', () => {
  it('a step back neither creates debt nor grants; a NaN reading grants nothing', () => {
    const time = settableClock(1_000_000);
    const bucket = new SharedTokenBucket({ ratePerSecond: 10, capacity: 10, clock: time.clock });
    for (let i = 0; i < 10; i++) expect(bucket.tryTake()).toBe(true);
    time.set(1_000_000 - 3_600_000);
    expect(bucket.available()).toBeGreaterThanOrEqual(0);
    expect(bucket.tryTake()).toBe(false);
    time.set(Number.NaN);
    let granted = 0;
    for (let i = 0; i < 1000; i++) if (bucket.tryTake()) granted++;
    expect(granted).toBe(0);
    time.set(1_000_000 + 1000); // past the last good reading: refill resumes
    expect(bucket.tryTake()).toBe(true);
  });
});

describe('KeyedRateLimiter with a faulty clock', () => {
  it('a NaN reading grants nothing beyond the balance', () => {
    const time = settableClock(0);
    const limiter = new KeyedRateLimiter({
      ratePerSecond: 1,
      capacity: 5,
      clock: time.clock,
      metrics: false,
    });
    limiter.check('k');
    time.set(Number.NaN);
    let granted = 0;
    for (let i = 0; i < 1000; i++) if (limiter.check('k').allowed) granted++;
    expect(granted).toBe(4); // what was left of the burst, not 1,000
    time.set(1000); // one second after the last good reading
    expect(limiter.check('k').allowed).toBe(true);
    expect(limiter.check('k').allowed).toBe(false);
  });

  it('a one-hour step back neither goes negative nor starves the key', () => {
    const time = settableClock(10_000_000);
    const limiter = new KeyedRateLimiter({
      ratePerSecond: 10,
      capacity: 10,
      clock: time.clock,
      metrics: false,
    });
    for (let i = 0; i < 10; i++) limiter.check('k');
    time.set(10_000_000 - 3_600_000);
    const decision = limiter.check('k');
    expect(decision.remaining).toBe(0); // not -36,000
    expect(decision.retryAfterMs).toBe(100);
    expect(limiter.usage('k').tokens).toBe(0);
    time.set(10_000_000 - 3_600_000 + 500);
    expect(limiter.usage('k').tokens).toBeCloseTo(5, 9);
  });

  it('a NaN reading at a new key does not stall the key for good', () => {
    const time = settableClock(Number.NaN);
    const limiter = new KeyedRateLimiter({
      ratePerSecond: 1,
      capacity: 1,
      clock: time.clock,
      metrics: false,
    });
    expect(limiter.check('k').allowed).toBe(true);
    time.set(0);
    expect(limiter.check('k').allowed).toBe(false);
    time.set(1000);
    expect(limiter.check('k').allowed).toBe(true);
  });
});

describe('SlidingWindowLimiter with a faulty clock', () => {
  it('a NaN reading admits nothing beyond the limit', () => {
    const time = settableClock(0);
    const limiter = new SlidingWindowLimiter({
      limit: 3,
      windowMs: 1000,
      clock: time.clock,
      metrics: false,
    });
    limiter.check('k');
    time.set(Number.NaN);
    let granted = 0;
    for (let i = 0; i < 1000; i++) if (limiter.check('k').allowed) granted++;
    expect(granted).toBe(2);
  });

  it('a one-hour step back keeps the window and moves on as the clock does', () => {
    const time = settableClock(10_000_000);
    const limiter = new SlidingWindowLimiter({
      limit: 2,
      windowMs: 1000,
      clock: time.clock,
      metrics: false,
    });
    limiter.check('k');
    limiter.check('k');
    time.set(10_000_000 - 3_600_000);
    expect(limiter.check('k').allowed).toBe(false); // the window is not forgotten
    time.set(10_000_000 - 3_600_000 + 1100); // a window later by the clock: room again
    expect(limiter.check('k').allowed).toBe(true);
    expect(limiter.usage('k').remaining).toBe(1);
  });
});

describe('RateLimiter with a faulty clock', () => {
  it('a NaN reading grants nothing and a step back adds no wait', async () => {
    const time = settableClock(0);
    const limiter = new RateLimiter({
      requestsPerSecond: 10,
      burstSize: 1,
      waitOnLimit: false,
      clock: time.clock,
      metrics: false,
    });
    expect(limiter.tryAcquire()).toBe(true);
    time.set(Number.NaN);
    expect(limiter.tryAcquire()).toBe(false);
    time.set(-3_600_000);
    const refused = await limiter.acquire().catch((error: RateLimitExceededError) => error);
    expect(refused).toBeInstanceOf(RateLimitExceededError);
    expect((refused as RateLimitExceededError).retryAfterMs).toBe(100);
  });
});
