import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LeasedTokenBucket } from '../src/LeasedTokenBucket.js';
import type { LeasedTokenBucketOptions } from '../src/leaseOptions.js';
import { RedisTokenBucket } from '../src/RedisTokenBucket.js';
import { RedisServer } from './helpers/RedisServer.js';

let server: RedisServer;
let redis: Redis;
let keys = 0;
const nextKey = () => `leased:${++keys}`;

beforeAll(async () => {
  server = await RedisServer.start();
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

/** Takes `perTick` tokens every few milliseconds for `ticks` ticks (a modest, steady demand); returns the grants. */
async function trickle(bucket: LeasedTokenBucket, ticks: number, perTick: number): Promise<number> {
  let granted = 0;
  for (let t = 0; t < ticks; t++) {
    for (let i = 0; i < perTick; i++) if (bucket.tryTake()) granted++;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return granted;
}

/** Calls `tryTake()` from the event loop (as a service would) for `ms`, `perTick` at a time; returns the grants. */
async function drive(bucket: LeasedTokenBucket, ms: number, perTick = 1): Promise<number> {
  let granted = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; i < perTick; i++) if (bucket.tryTake()) granted++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return granted;
}

describe('LeasedTokenBucket', () => {
  it('grants synchronously from a lease taken in the background', async () => {
    const bucket = new LeasedTokenBucket({ redis, key: nextKey(), ratePerSecond: 100, burst: 100 });
    try {
      expect(bucket.tryTake()).toBe(false); // nothing leased yet: refused at once, never waits
      await vi.waitFor(() => expect(bucket.available()).toBeGreaterThanOrEqual(1));
      expect(bucket.tryTake()).toBe(true);
      expect(bucket.stats().leases).toBeGreaterThanOrEqual(1);
      expect(bucket.mode).toBe('lease');
    } finally {
      await bucket.close();
    }
  });

  it('never holds more than leaseSize, and a slow consumer holds little', async () => {
    const busy = new LeasedTokenBucket({
      redis,
      key: nextKey(),
      ratePerSecond: 10_000,
      burst: 1000,
      leaseSize: 50,
      leasePeriodMs: 200,
    });
    const quiet = new LeasedTokenBucket({
      redis,
      key: nextKey(),
      ratePerSecond: 10_000,
      burst: 1000,
      leaseSize: 50,
      leasePeriodMs: 200,
    });
    try {
      let maxBusy = 0;
      let maxQuiet = 0;
      const end = performance.now() + 1000;
      let tick = 0;
      while (performance.now() < end) {
        for (let i = 0; i < 20; i++) busy.tryTake();
        if (tick++ % 50 === 0) quiet.tryTake(); // a handful a second
        maxBusy = Math.max(maxBusy, busy.available());
        maxQuiet = Math.max(maxQuiet, quiet.available());
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      expect(maxBusy).toBeLessThanOrEqual(50);
      expect(maxBusy).toBeGreaterThan(10); // busy: leases grow towards the cap
      expect(maxQuiet).toBeLessThanOrEqual(10); // quiet: sized from its few takes a period
      expect(busy.stats().demandPerSecond).toBeGreaterThan(quiet.stats().demandPerSecond);
    } finally {
      await Promise.all([busy.close(), quiet.close()]);
    }
  });

  it('a replica that goes quiet gives its supply back within a couple of lease periods', async () => {
    const key = nextKey();
    const shared = new RedisTokenBucket({ redis, key, ratePerSecond: 0.001, burst: 100 });
    const bucket = new LeasedTokenBucket({
      redis,
      key,
      ratePerSecond: 0.001,
      burst: 100,
      leaseSize: 30,
      leasePeriodMs: 300,
    });
    try {
      const granted = await trickle(bucket, 20, 2);
      await vi.waitFor(() => expect(bucket.available()).toBeGreaterThan(0));
      const held = bucket.available();
      await vi.waitFor(() => expect(bucket.available()).toBe(0), { timeout: 2000 });
      // Everything not granted is back in Redis (the refill at 0.001/s adds < 0.01 meanwhile).
      // Reading Redis and the local supply one after the other would race a lease taken between.
      await vi.waitFor(async () => expect(await shared.available()).toBeCloseTo(100 - granted, 1), {
        timeout: 2000,
      });
      expect(bucket.stats().returnedTokens).toBeGreaterThanOrEqual(held);
    } finally {
      await bucket.close();
    }
  });

  it('close() gives back what is left and refuses from then on', async () => {
    const key = nextKey();
    const shared = new RedisTokenBucket({ redis, key, ratePerSecond: 0.001, burst: 100 });
    const bucket = new LeasedTokenBucket({
      redis,
      key,
      ratePerSecond: 0.001,
      burst: 100,
      leaseSize: 20,
      leasePeriodMs: 60_000,
    });
    const granted = await trickle(bucket, 20, 2);
    await vi.waitFor(() => expect(bucket.available()).toBeGreaterThan(0));
    await bucket.close();
    expect(bucket.mode).toBe('closed');
    expect(bucket.tryTake()).toBe(false);
    // every token is either spent or back in Redis
    expect(await shared.available()).toBeCloseTo(100 - granted, 1);
    expect(String(bucket)).toContain('mode=closed');
  });

  it('several buckets on one key stay within rate × T + burst + buckets × leaseSize, and use it', async () => {
    const key = nextKey();
    const options = {
      redis,
      key,
      ratePerSecond: 200,
      burst: 50,
      leaseSize: 10,
      leasePeriodMs: 200,
    };
    const start = performance.now();
    const buckets = [1, 2, 3].map(() => new LeasedTokenBucket(options));
    const granted = await Promise.all(buckets.map((b) => drive(b, 1500, 4)));
    const seconds = (performance.now() - start) / 1000;
    await Promise.all(buckets.map((b) => b.close()));
    const total = granted.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(200 * seconds + 50 + 3 * 10);
    expect(total).toBeGreaterThanOrEqual(0.7 * (200 * 1.5 + 50));
    for (const g of granted) expect(g).toBeGreaterThan(0);
  });

  it('forceTake() borrows past the supply and the next lease pays the debt first', async () => {
    const key = nextKey();
    const bucket = new LeasedTokenBucket({
      redis,
      key,
      ratePerSecond: 0.001,
      burst: 100,
      leaseSize: 10,
      leasePeriodMs: 60_000,
    });
    try {
      bucket.forceTake(5);
      expect(bucket.available()).toBe(-5);
      await vi.waitFor(() => expect(bucket.available()).toBeGreaterThan(0));
      expect(bucket.available()).toBeLessThanOrEqual(10);
      expect(bucket.stats().leasedTokens - 5).toBe(bucket.available());
    } finally {
      await bucket.close();
    }
  });

  it('validates options, naming the option', () => {
    const ok: LeasedTokenBucketOptions = { redis, key: 'k', ratePerSecond: 10 };
    const cases: [Partial<LeasedTokenBucketOptions> | null, ErrorConstructor, RegExp][] = [
      [null, TypeError, /`options`/],
      [{ ...ok, redis: {} as never }, TypeError, /`redis`/],
      [{ ...ok, key: 42 as never }, TypeError, /`key`/],
      [{ ...ok, key: '' }, RangeError, /`key`/],
      [{ ...ok, ratePerSecond: Number.NaN }, RangeError, /`ratePerSecond`/],
      [{ ...ok, ratePerSecond: Number.POSITIVE_INFINITY }, RangeError, /`ratePerSecond`/],
      [{ ...ok, ratePerSecond: -1 }, RangeError, /`ratePerSecond`/],
      [{ ...ok, burst: 0.5 }, RangeError, /`burst`/],
      [{ ...ok, capacity: '10' as never }, TypeError, /`capacity`/],
      [{ ...ok, burst: 10, capacity: 20 }, TypeError, /`burst` or `capacity`/],
      [{ ...ok, leaseSize: 0 }, RangeError, /`leaseSize`/],
      [{ ...ok, leaseSize: 11 }, RangeError, /`leaseSize`.*burst/],
      [{ ...ok, leaseSize: 1.5 }, RangeError, /`leaseSize`/],
      [{ ...ok, leaseSize: 2, leaseFraction: 0.5 }, TypeError, /`leaseSize` or `leaseFraction`/],
      [{ ...ok, leaseFraction: 0 }, RangeError, /`leaseFraction`/],
      [{ ...ok, leaseFraction: 1.5 }, RangeError, /`leaseFraction`/],
      [{ ...ok, leasePeriodMs: 1 }, RangeError, /`leasePeriodMs`/],
      [{ ...ok, leasePeriodMs: 1e12 }, RangeError, /`leasePeriodMs` to be at most 2147483647 ms/],
      [{ ...ok, expectedReplicas: 0 }, RangeError, /`expectedReplicas`/],
      [{ ...ok, fallbackRatePerSecond: -1 }, RangeError, /`fallbackRatePerSecond`/],
      [{ ...ok, onError: 'log' as never }, TypeError, /`onError`/],
    ];
    for (const [options, type, message] of cases) {
      expect(() => new LeasedTokenBucket(options as LeasedTokenBucketOptions)).toThrow(type);
      expect(() => new LeasedTokenBucket(options as LeasedTokenBucketOptions)).toThrow(message);
    }
    const bucket = new LeasedTokenBucket({ ...ok, burst: 40 });
    expect(bucket.leaseSize).toBe(4); // leaseFraction 0.1 of the burst
    expect(() => bucket.tryTake(0)).toThrow(RangeError);
    expect(() => bucket.tryTake(5)).toThrow(/leaseSize 4/);
    expect(String(bucket)).toBe(
      'LeasedTokenBucket{key="k", ratePerSecond=10, burst=40, leaseSize=4, leasePeriodMs=1000, mode=lease}',
    );
    void bucket.close();
  });
});

describe('LeasedTokenBucket when Redis goes away', () => {
  it('keeps serving: spends its supply, falls back to its share, reports once, and resumes leases without a burst', async () => {
    const own = await RedisServer.start();
    const client = new Redis(own.url, { maxRetriesPerRequest: 1 });
    client.on('error', () => {}); // the host's client: its connection errors are not ours
    const errors: Error[] = [];
    const bucket = new LeasedTokenBucket({
      redis: client,
      key: 'outage',
      ratePerSecond: 1000,
      burst: 100,
      leaseSize: 20,
      leasePeriodMs: 200,
      expectedReplicas: 4,
      onError: (error) => {
        errors.push(error);
        throw new Error('a throwing onError never reaches the host');
      },
    });
    try {
      expect(await drive(bucket, 300, 5)).toBeGreaterThan(0);
      await own.kill();
      const killedAt = performance.now();
      let fellBackAfter = Number.NaN;
      let fallbackGrants = 0;
      const end = killedAt + 1500;
      while (performance.now() < end) {
        for (let i = 0; i < 5; i++) {
          const ok = bucket.tryTake(); // never throws, never waits
          if (ok && bucket.mode === 'fallback') fallbackGrants++;
        }
        if (bucket.mode === 'fallback' && Number.isNaN(fellBackAfter))
          fellBackAfter = performance.now() - killedAt;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      expect(bucket.mode).toBe('fallback');
      expect(fellBackAfter).toBeLessThanOrEqual(200 + 300); // one lease period (+ a loaded machine's margin)
      expect(errors).toHaveLength(1);
      expect(bucket.stats().outages).toBe(1);
      // the fallback share is rate / expectedReplicas = 250/s, starting empty
      expect(fallbackGrants).toBeGreaterThan(0);
      expect(fallbackGrants).toBeLessThanOrEqual(250 * 1.5 + 20);

      await own.restart();
      await vi.waitFor(() => expect(bucket.mode).toBe('lease'), { timeout: 10_000, interval: 20 });
      expect(errors).toHaveLength(1);
      // the fallback spending was charged to the new shared bucket: no fresh burst
      const stats = bucket.stats();
      expect(stats.chargedTokens).toBeGreaterThan(0);
      const fresh = new RedisTokenBucket({
        redis: client,
        key: 'outage',
        ratePerSecond: 1000,
        burst: 100,
      });
      expect(await fresh.available()).toBeLessThan(100);
    } finally {
      await bucket.close();
      client.disconnect();
      await own.stop();
    }
  }, 30_000);
});
