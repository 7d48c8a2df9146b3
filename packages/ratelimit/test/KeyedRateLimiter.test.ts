import { describe, expect, it } from 'vitest';
import { KeyedRateLimiter } from '../src/KeyedRateLimiter.js';
import { ManualClock } from './helpers/ManualClock.js';

describe('KeyedRateLimiter', () => {
  it('keeps keys isolated: one key exhausted leaves the others untouched', () => {
    const time = new ManualClock();
    const limiter = new KeyedRateLimiter({
      ratePerSecond: 1,
      capacity: 3,
      clock: time.clock,
      metrics: false,
    });
    for (let i = 0; i < 3; i++) expect(limiter.check('alice').allowed).toBe(true);
    expect(limiter.check('alice')).toEqual({ allowed: false, retryAfterMs: 1000, remaining: 0 });
    expect(limiter.check('bob')).toEqual({ allowed: true, retryAfterMs: 0, remaining: 2 });
    expect(limiter.usage('alice')).toEqual({ requests: 4, limited: 1, tokens: 0 });
    expect(limiter.usage('bob')).toEqual({ requests: 1, limited: 0, tokens: 2 });
    time.advance(1000);
    expect(limiter.check('alice').allowed).toBe(true);
  });

  it('applies per-key overrides and keeps the balance when reconfiguring a live key', () => {
    const time = new ManualClock();
    const limiter = new KeyedRateLimiter({
      ratePerSecond: 1,
      capacity: 1,
      clock: time.clock,
      metrics: false,
    });
    limiter.configure('vip', { ratePerSecond: 100, capacity: 50 });
    let vip = 0;
    while (limiter.check('vip').allowed) vip++;
    expect(vip).toBe(50);
    expect(limiter.check('vip').retryAfterMs).toBe(10);
    // live key: reconfiguring does not hand out a fresh burst
    limiter.configure('vip', { ratePerSecond: 1000, capacity: 500 });
    expect(limiter.check('vip').allowed).toBe(false);
    time.advance(1);
    expect(limiter.check('vip').allowed).toBe(true);
    expect(limiter.check('regular').remaining).toBe(0);
    expect(limiter.check('regular').allowed).toBe(false);
    expect(limiter.removeOverride('vip')).toBe(true);
    time.advance(10_000);
    expect(limiter.usage('vip').tokens).toBe(1); // back on the default capacity
  });

  it('supports multi-token checks and rejects counts above the key capacity', () => {
    const limiter = new KeyedRateLimiter({
      ratePerSecond: 2,
      capacity: 4,
      clock: () => 0,
      metrics: false,
    });
    expect(limiter.check('k', 3)).toEqual({ allowed: true, retryAfterMs: 0, remaining: 1 });
    expect(limiter.check('k', 2)).toEqual({ allowed: false, retryAfterMs: 500, remaining: 1 });
    expect(() => limiter.check('k', 5)).toThrow(RangeError);
    expect(() => limiter.check('k', 0)).toThrow(/`tokens`/);
  });

  it('fails open when disabled, still counting what would have been limited', () => {
    const time = new ManualClock();
    const limiter = new KeyedRateLimiter({
      ratePerSecond: 1,
      capacity: 2,
      enabled: false,
      clock: time.clock,
      metrics: false,
    });
    for (let i = 0; i < 10; i++) expect(limiter.check('k').allowed).toBe(true);
    expect(limiter.usage('k')).toMatchObject({ requests: 10, limited: 8 });
    expect(limiter.stats()).toMatchObject({ requests: 10, limited: 8 });
    limiter.enabled = true;
    expect(limiter.check('k').allowed).toBe(false);
    expect(() => {
      limiter.enabled = 'no' as unknown as boolean;
    }).toThrow(/`enabled`/);
  });

  it('holds at most maxKeys live keys under 1,000,000 distinct keys and counts evictions', () => {
    const time = new ManualClock();
    const limiter = new KeyedRateLimiter({
      ratePerSecond: 1,
      capacity: 5,
      maxKeys: 10_000,
      clock: time.clock,
      metrics: false,
    });
    let maxLive = 0;
    for (let i = 0; i < 1_000_000; i++) {
      limiter.check(`client-${i}`);
      if ((i & 1023) === 0) maxLive = Math.max(maxLive, limiter.size);
    }
    maxLive = Math.max(maxLive, limiter.size);
    expect(maxLive).toBe(10_000);
    const stats = limiter.stats();
    expect(stats.liveKeys).toBe(10_000);
    expect(stats.evictions).toBe(990_000);
    // the clock never moved, so no key had refilled: every eviction was forced (LRU)
    expect(stats.forcedEvictions).toBe(990_000);
    expect(stats.requests).toBe(1_000_000);
    // every key was seen once: the hand evicts in arrival order, keeping the most recent
    expect(limiter.usage('client-999999').requests).toBe(1);
    expect(limiter.usage('client-0').requests).toBe(0);
  });

  it('evicts idle keys whose bucket has refilled first, losslessly', () => {
    const time = new ManualClock();
    const limiter = new KeyedRateLimiter({
      ratePerSecond: 10,
      capacity: 10,
      maxKeys: 100,
      clock: time.clock,
      metrics: false,
    });
    for (let i = 0; i < 50; i++) limiter.check(`old-${i}`);
    time.advance(1000); // every old key refilled: indistinguishable from fresh
    for (let i = 0; i < 50; i++) limiter.check(`new-${i}`);
    const stats = limiter.stats();
    expect(stats.evictions).toBe(50);
    expect(stats.forcedEvictions).toBe(0);
    expect(limiter.size).toBe(50);
  });

  it('keeps keys in use even when their bucket refills between checks (no evict/re-admit churn)', () => {
    const time = new ManualClock();
    const limiter = new KeyedRateLimiter({
      ratePerSecond: 1e6,
      capacity: 10,
      maxKeys: 100,
      clock: time.clock,
      metrics: false,
    });
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 60; i++) limiter.check(`k${i}`);
      time.advance(5); // every bucket is full again by the next round
    }
    expect(limiter.stats()).toMatchObject({ liveKeys: 60, evictions: 0 });
    expect(limiter.usage('k0').requests).toBe(200);
    time.advance(1000); // now unused for a second: idle, evicted as new keys arrive
    for (let i = 0; i < 30; i++) limiter.check(`new${i}`);
    expect(limiter.stats()).toMatchObject({ evictions: 60, forcedEvictions: 0 });
  });

  it('an evicted key comes back with a full bucket', () => {
    const limiter = new KeyedRateLimiter({
      ratePerSecond: 1,
      capacity: 2,
      maxKeys: 1,
      clock: () => 0,
      metrics: false,
    });
    limiter.check('a', 2);
    expect(limiter.check('a').allowed).toBe(false);
    limiter.check('b'); // evicts a
    expect(limiter.check('a')).toEqual({ allowed: true, retryAfterMs: 0, remaining: 1 });
  });

  it('evicts keys seen once before keys that came back (CLOCK), not the oldest created', () => {
    const limiter = new KeyedRateLimiter({
      ratePerSecond: 1,
      capacity: 5,
      maxKeys: 2,
      clock: () => 0,
      metrics: false,
    });
    limiter.check('a');
    limiter.check('b');
    limiter.check('a'); // a is now the most recent
    limiter.check('c'); // evicts b
    expect(limiter.usage('a').requests).toBe(2);
    expect(limiter.usage('b').requests).toBe(0);
    expect(limiter.usage('c').requests).toBe(1);
  });

  it('delete and clear forget keys; slots are reused', () => {
    const limiter = new KeyedRateLimiter({
      ratePerSecond: 1,
      capacity: 1,
      maxKeys: 3,
      clock: () => 0,
      metrics: false,
    });
    limiter.check('a');
    limiter.check('b');
    expect(limiter.delete('a')).toBe(true);
    expect(limiter.delete('a')).toBe(false);
    expect(limiter.size).toBe(1);
    limiter.check('c');
    limiter.check('d');
    expect(limiter.stats().evictions).toBe(0); // a's slot was reused
    expect(limiter.check('a').allowed).toBe(true); // came back fresh
    expect(limiter.stats()).toMatchObject({ liveKeys: 3, evictions: 1, forcedEvictions: 1 });
    limiter.clear();
    expect(limiter.size).toBe(0);
  });

  it('describes its configuration', () => {
    const limiter = new KeyedRateLimiter({ ratePerSecond: 10, capacity: 20, metrics: false });
    expect(String(limiter)).toBe(
      'KeyedRateLimiter{ratePerSecond=10, burst=20, maxKeys=100000, maxKeyLength=256, enabled=true}',
    );
  });
});

describe('KeyedRateLimiter with client-controlled keys', () => {
  it('bounds the memory of long keys: 20,000 keys of 8 KB hold under 256 characters each', () => {
    const time = new ManualClock();
    const limiter = new KeyedRateLimiter({ ratePerSecond: 1, clock: time.clock, metrics: false });
    const filler = 'x'.repeat(8 * 1024);
    for (let i = 0; i < 20_000; i++) limiter.check(`${i}:${filler}`);
    const stats = limiter.stats();
    expect(stats.liveKeys).toBe(20_000); // distinct long keys stay distinct
    expect(stats.keyBytes).toBeLessThanOrEqual(20_000 * 256 * 2);
    expect(stats.keyBytes).toBeGreaterThan(0);
  });

  it('a long key keeps one bucket across check, usage, configure and delete', () => {
    const time = new ManualClock();
    const limiter = new KeyedRateLimiter({
      ratePerSecond: 1,
      capacity: 2,
      clock: time.clock,
      metrics: false,
    });
    const long = 'k'.repeat(1000);
    const sibling = `${'k'.repeat(999)}j`; // same 64-character prefix, other key
    expect(limiter.check(long).allowed).toBe(true);
    expect(limiter.check(long).allowed).toBe(true);
    expect(limiter.check(long).allowed).toBe(false);
    expect(limiter.check(sibling).allowed).toBe(true);
    expect(limiter.usage(long)).toEqual({ requests: 3, limited: 1, tokens: 0 });
    limiter.configure(long, { ratePerSecond: 1, capacity: 5 });
    time.advance(5000);
    expect(limiter.usage(long).tokens).toBe(5);
    expect(limiter.delete(long)).toBe(true);
    expect(limiter.usage(sibling).requests).toBe(1);
  });

  it('refuses a maxKeyLength that is not a whole number >= 128', () => {
    expect(() => new KeyedRateLimiter({ ratePerSecond: 1, maxKeyLength: 10 })).toThrow(
      /maxKeyLength.*>= 128/,
    );
    expect(() => new KeyedRateLimiter({ ratePerSecond: 1, maxKeyLength: Number.NaN })).toThrow(
      RangeError,
    );
  });
});
