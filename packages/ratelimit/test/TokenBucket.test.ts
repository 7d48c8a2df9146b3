import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../src/TokenBucket.js';
import { ManualClock } from './helpers/ManualClock.js';

describe('TokenBucket', () => {
  it('grants rate × 60 s + capacity over 60 simulated seconds at 10× overload', () => {
    const time = new ManualClock(1000);
    const rate = 10;
    const capacity = 20;
    const bucket = new TokenBucket({ ratePerSecond: rate, capacity, clock: time.clock });
    let granted = 0;
    // 100 attempts per second = 10× the rate, one every 10 ms
    for (let i = 0; i < 60 * 100; i++) {
      if (bucket.tryTake()) granted++;
      time.advance(10);
    }
    expect(Math.abs(granted - (rate * 60 + capacity))).toBeLessThanOrEqual(1);
  });

  it('handles a fractional rate (0.5/s = one token every 2 s)', () => {
    const time = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 0.5, clock: time.clock });
    expect(bucket.capacity).toBe(1);
    expect(bucket.tryTake()).toBe(true);
    time.advance(1999);
    expect(bucket.tryTake()).toBe(false);
    time.advance(1);
    expect(bucket.tryTake()).toBe(true);
  });

  it('a fresh bucket grants exactly capacity at once', () => {
    const time = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 5, capacity: 7, clock: time.clock });
    let granted = 0;
    while (bucket.tryTake()) granted++;
    expect(granted).toBe(7);
  });

  it('never holds more than capacity after any idle time', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e9, noNaN: true }), (idle) => {
        const time = new ManualClock();
        const bucket = new TokenBucket({ ratePerSecond: 3, capacity: 4, clock: time.clock });
        bucket.tryTake(2);
        time.advance(idle);
        expect(bucket.available()).toBeLessThanOrEqual(4);
        let granted = 0;
        while (bucket.tryTake()) granted++;
        expect(granted).toBeLessThanOrEqual(4);
      }),
    );
  });

  it('defaults capacity to max(1, rate) and initial tokens to capacity', () => {
    expect(new TokenBucket({ ratePerSecond: 50, clock: () => 0 }).capacity).toBe(50);
    expect(new TokenBucket({ ratePerSecond: 0.2, clock: () => 0 }).capacity).toBe(1);
    expect(
      new TokenBucket({
        ratePerSecond: 1,
        capacity: 3,
        initialTokens: 1,
        clock: () => 0,
      }).available(),
    ).toBe(1);
  });

  it('treats ratePerSecond: Infinity as always allowing, also with no time elapsed', () => {
    const time = new ManualClock(); // never advances: Infinity × 0 must not poison the balance
    const unbounded = new TokenBucket({
      ratePerSecond: Number.POSITIVE_INFINITY,
      clock: time.clock,
    });
    for (let i = 0; i < 1000; i++) expect(unbounded.tryTake(1000)).toBe(true);
    expect(unbounded.retryAfterMs(5)).toBe(0);
    const withCap = new TokenBucket({
      ratePerSecond: Number.POSITIVE_INFINITY,
      capacity: 2,
      clock: time.clock,
    });
    for (let i = 0; i < 100; i++) expect(withCap.tryTake(2)).toBe(true);
    expect(withCap.available()).toBe(2);
    withCap.forceTake(10);
    expect(withCap.tryTake()).toBe(true);
  });

  it('a zero rate is a fixed budget with an infinite retryAfterMs', () => {
    const time = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 0, capacity: 2, clock: time.clock });
    expect(bucket.tryTake(2)).toBe(true);
    time.advance(1e9);
    expect(bucket.tryTake()).toBe(false);
    expect(bucket.retryAfterMs()).toBe(Number.POSITIVE_INFINITY);
  });

  it('a refused take consumes nothing', () => {
    const time = new ManualClock();
    const bucket = new TokenBucket({
      ratePerSecond: 1,
      capacity: 5,
      initialTokens: 3,
      clock: time.clock,
    });
    expect(bucket.tryTake(4)).toBe(false);
    expect(bucket.available()).toBe(3);
    expect(bucket.tryTake(3)).toBe(true);
  });

  it('forceTake goes into debt that later takes must wait out', () => {
    const time = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, capacity: 2, clock: time.clock });
    bucket.forceTake(5);
    expect(bucket.available()).toBe(-3);
    expect(bucket.retryAfterMs()).toBe(400);
    time.advance(399);
    expect(bucket.tryTake()).toBe(false);
    time.advance(1);
    expect(bucket.tryTake()).toBe(true);
  });

  it('setRate keeps the current balance instead of handing out a fresh burst', () => {
    const time = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, capacity: 10, clock: time.clock });
    expect(bucket.tryTake(10)).toBe(true);
    bucket.setRate(100, 100);
    expect(bucket.available()).toBe(0);
    expect(bucket.tryTake()).toBe(false);
    time.advance(10); // 1 token at the new rate
    expect(bucket.tryTake()).toBe(true);
    bucket.setRate(1, 1); // clamps to the smaller capacity
    time.advance(5000);
    expect(bucket.available()).toBe(1);
    expect(bucket.ratePerSecond).toBe(1);
  });

  it('settles tokens earned at the old rate before switching', () => {
    const time = new ManualClock();
    const bucket = new TokenBucket({
      ratePerSecond: 10,
      capacity: 10,
      initialTokens: 0,
      clock: time.clock,
    });
    time.advance(500); // 5 tokens at 10/s
    bucket.setRate(1, 10);
    expect(bucket.available()).toBeCloseTo(5, 9);
  });

  it('reset refills to capacity; refund gives back without exceeding capacity', () => {
    const time = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 1, capacity: 3, clock: time.clock });
    bucket.tryTake(3);
    bucket.refund(2);
    expect(bucket.available()).toBe(2);
    bucket.refund(5);
    expect(bucket.available()).toBe(3);
    bucket.tryTake(3);
    bucket.reset();
    expect(bucket.available()).toBe(3);
  });

  it('rejects a take larger than capacity instead of refusing it forever', () => {
    const bucket = new TokenBucket({ ratePerSecond: 1, capacity: 3, clock: () => 0 });
    expect(() => bucket.tryTake(4)).toThrow(RangeError);
    expect(() => bucket.tryTake(4)).toThrow(/capacity 3/);
    expect(() => bucket.retryAfterMs(4)).toThrow(RangeError);
  });

  it('describes its configuration', () => {
    expect(String(new TokenBucket({ ratePerSecond: 10, capacity: 20, clock: () => 0 }))).toBe(
      'TokenBucket{ratePerSecond=10, burst=20}',
    );
  });
});

describe('TokenBucket properties', () => {
  const step = fc.oneof(
    fc.record({ kind: fc.constant('take' as const), n: fc.integer({ min: 1, max: 5 }) }),
    fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 5000 }) }),
  );
  const config = fc.record({
    rate: fc.oneof(
      fc.integer({ min: 0, max: 1000 }),
      fc.double({ min: 0.01, max: 1000, noNaN: true }),
    ),
    capacity: fc.integer({ min: 5, max: 200 }),
  });

  it('grants at most capacity + rate × elapsed, and the balance stays within [0, capacity]', () => {
    fc.assert(
      fc.property(config, fc.array(step, { maxLength: 200 }), ({ rate, capacity }, steps) => {
        const time = new ManualClock(12_345);
        const bucket = new TokenBucket({ ratePerSecond: rate, capacity, clock: time.clock });
        let granted = 0;
        let elapsed = 0;
        for (const s of steps) {
          if (s.kind === 'advance') {
            time.advance(s.ms);
            elapsed += s.ms;
          } else if (bucket.tryTake(s.n)) {
            granted += s.n;
          }
          const available = bucket.available();
          expect(available).toBeGreaterThanOrEqual(-1e-9);
          expect(available).toBeLessThanOrEqual(capacity);
          expect(granted).toBeLessThanOrEqual(capacity + (rate * elapsed) / 1000 + 1e-6);
        }
      }),
    );
  });

  it('retryAfterMs(n) is tight: waiting that long succeeds, waiting less than that minus 1 ms does not', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 5000, noNaN: true }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 50 }),
        (rate, capacity, pauses, want) => {
          fc.pre(want <= capacity);
          const time = new ManualClock(777);
          const bucket = new TokenBucket({ ratePerSecond: rate, capacity, clock: time.clock });
          for (const pause of pauses) {
            bucket.tryTake(Math.min(capacity, 1 + (pause % capacity)));
            time.advance(pause);
          }
          const wait = bucket.retryAfterMs(want);
          if (wait === 0) {
            expect(bucket.tryTake(want)).toBe(true);
            return;
          }
          if (wait > 1) {
            // waiting less than (wait - 1) ms must not be enough
            const probeTime = time.clock();
            time.advance(wait - 1 - 0.001);
            expect(bucket.available()).toBeLessThan(want);
            time.advance(probeTime + wait - time.clock());
          } else {
            time.advance(wait);
          }
          expect(bucket.tryTake(want)).toBe(true);
        },
      ),
    );
  });
});
