// Clocks are injectable, so they can misbehave: a wall clock stepped back by NTP, a NaN from a
// broken computation. Neither may starve the bucket for the length of the step nor open it.
import { describe, expect, it } from 'vitest';
import { SharedTokenBucket } from '../src/SharedTokenBucket.js';
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
