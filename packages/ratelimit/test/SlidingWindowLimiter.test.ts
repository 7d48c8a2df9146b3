import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter } from '../src/SlidingWindowLimiter.js';
import { ManualClock } from './helpers/ManualClock.js';

describe('SlidingWindowLimiter', () => {
  it('admits limit events per window, then refuses with retryAfterMs', () => {
    const time = new ManualClock(10_000);
    const limiter = new SlidingWindowLimiter({
      limit: 3,
      windowMs: 1000,
      clock: time.clock,
      metrics: false,
    });
    expect(limiter.check('k')).toEqual({ allowed: true, retryAfterMs: 0, remaining: 2 });
    limiter.check('k');
    expect(limiter.check('k').remaining).toBe(0);
    const refused = limiter.check('k');
    expect(refused.allowed).toBe(false);
    // the three events sit in sub-window [10000, 10100), which leaves the window at 11100
    expect(refused.retryAfterMs).toBe(1100);
    time.advance(1099);
    expect(limiter.check('k').allowed).toBe(false);
    time.advance(1);
    expect(limiter.check('k').allowed).toBe(true);
    expect(limiter.usage('k')).toEqual({ requests: 6, limited: 2, remaining: 2 });
  });

  it('never admits more than limit events in any window of windowMs (property, against an exact log)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 10, max: 2000 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 300 }),
        (limit, windowMs, precision, gaps) => {
          const time = new ManualClock(5000);
          const limiter = new SlidingWindowLimiter({
            limit,
            windowMs,
            precision,
            clock: time.clock,
            metrics: false,
          });
          const admitted: number[] = [];
          for (const gap of gaps) {
            time.advance(gap);
            if (limiter.check('k').allowed) admitted.push(time.clock());
          }
          // for each admitted event, the events in the window (t - windowMs, t] ending at it
          for (let i = 0; i < admitted.length; i++) {
            let inWindow = 0;
            for (let j = i; j >= 0 && admitted[j]! > admitted[i]! - windowMs; j--) inWindow++;
            expect(inWindow).toBeLessThanOrEqual(limit);
          }
        },
      ),
    );
  });

  it('refuses at most windowMs / precision early: after windowMs × (1 + 1/precision) of quiet the window is empty', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 10, max: 2000 }),
        fc.integer({ min: 1, max: 20 }),
        (limit, windowMs, precision) => {
          const time = new ManualClock(3333);
          const limiter = new SlidingWindowLimiter({
            limit,
            windowMs,
            precision,
            clock: time.clock,
            metrics: false,
          });
          for (let i = 0; i < limit; i++) expect(limiter.check('k').allowed).toBe(true);
          const refused = limiter.check('k');
          expect(refused.allowed).toBe(false);
          expect(refused.retryAfterMs).toBeLessThanOrEqual(
            Math.ceil(windowMs + windowMs / precision) + 1,
          );
          expect(refused.retryAfterMs).toBeGreaterThanOrEqual(windowMs - 1);
          time.advance(refused.retryAfterMs);
          expect(limiter.check('k').allowed).toBe(true);
        },
      ),
    );
  });

  it('retryAfterMs is tight for any traffic: waiting it succeeds, waiting 1 ms less than that does not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 10, max: 1000 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 60 }),
        (limit, windowMs, gaps) => {
          const time = new ManualClock(100);
          const limiter = new SlidingWindowLimiter({
            limit,
            windowMs,
            precision: 7,
            clock: time.clock,
            metrics: false,
          });
          for (const gap of gaps) {
            time.advance(gap);
            const decision = limiter.check('k');
            if (decision.allowed) continue;
            const before = time.clock();
            if (decision.retryAfterMs > 1) {
              time.advance(decision.retryAfterMs - 1);
              expect(limiter.check('k').allowed).toBe(false);
            }
            time.advance(before + decision.retryAfterMs - time.clock());
            expect(limiter.check('k').allowed).toBe(true);
          }
        },
      ),
    );
  });

  it('bounds live keys and evicts empty windows first', () => {
    const time = new ManualClock();
    const limiter = new SlidingWindowLimiter({
      limit: 2,
      windowMs: 100,
      maxKeys: 1000,
      clock: time.clock,
      metrics: false,
    });
    let maxLive = 0;
    // phase 1: 1000 new keys per ms. Windows (110 ms with the sub-window) are all still busy
    // when maxKeys is reached, so every eviction is a forced (LRU) one.
    for (let i = 0; i < 500_000; i++) {
      limiter.check(`burst-${i}`);
      if (i % 1000 === 999) time.advance(1);
      maxLive = Math.max(maxLive, limiter.size);
    }
    const afterBurst = limiter.stats();
    expect(afterBurst.forcedEvictions).toBe(afterBurst.evictions);
    time.advance(200);
    // phase 2: 5 new keys per ms: a key's window has emptied before 1000 others arrive, so
    // evictions are idle (lossless) ones
    for (let i = 0; i < 500_000; i++) {
      limiter.check(`trickle-${i}`);
      if (i % 5 === 4) time.advance(1);
      maxLive = Math.max(maxLive, limiter.size);
    }
    const stats = limiter.stats();
    expect(maxLive).toBeLessThanOrEqual(1000);
    expect(stats.liveKeys).toBeLessThanOrEqual(1000);
    expect(stats.evictions).toBe(1_000_000 - stats.liveKeys);
    // CLOCK probes two slots per arrival, so nearly all phase-2 evictions are the idle kind
    const phase2Evictions = stats.evictions - afterBurst.evictions;
    const phase2Forced = stats.forcedEvictions - afterBurst.forcedEvictions;
    expect(phase2Evictions).toBeGreaterThan(499_000);
    expect(phase2Forced).toBeLessThan(phase2Evictions / 100);
  });

  it('keys are isolated; disabled means fail-open with counting', () => {
    const limiter = new SlidingWindowLimiter({
      limit: 1,
      windowMs: 1000,
      clock: () => 0,
      metrics: false,
    });
    expect(limiter.check('a').allowed).toBe(true);
    expect(limiter.check('a').allowed).toBe(false);
    expect(limiter.check('b').allowed).toBe(true);
    limiter.enabled = false;
    expect(limiter.check('a').allowed).toBe(true);
    expect(limiter.usage('a')).toEqual({ requests: 3, limited: 2, remaining: 0 });
  });

  it('describes its configuration', () => {
    expect(String(new SlidingWindowLimiter({ limit: 5, windowMs: 60_000, metrics: false }))).toBe(
      'SlidingWindowLimiter{limit=5, windowMs=60000, precision=10, maxKeys=100000, maxKeyLength=256, enabled=true}',
    );
  });
});

describe('SlidingWindowLimiter with client-controlled keys', () => {
  it('bounds long keys and keeps one window per long key', () => {
    const time = new ManualClock();
    const limiter = new SlidingWindowLimiter({
      limit: 1,
      windowMs: 1000,
      clock: time.clock,
      metrics: false,
    });
    const long = 'w'.repeat(10_000);
    expect(limiter.check(long).allowed).toBe(true);
    expect(limiter.check(long).allowed).toBe(false);
    expect(limiter.usage(long)).toEqual({ requests: 2, limited: 1, remaining: 0 });
    expect(limiter.stats().keyBytes).toBeLessThanOrEqual(256 * 2);
  });
});
