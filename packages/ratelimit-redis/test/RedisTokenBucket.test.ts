import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisTokenBucket } from '../src/RedisTokenBucket.js';
import { RedisServer } from './helpers/RedisServer.js';

let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await RedisServer.start();
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe('RedisTokenBucket', () => {
  it('take(n) is all or nothing and says when to retry', async () => {
    const bucket = new RedisTokenBucket({ redis, key: 'tb:take', ratePerSecond: 1, burst: 5 });
    expect(await bucket.take(3)).toEqual({ granted: true, remaining: 2, retryAfterMs: 0 });
    const refused = await bucket.take(4);
    expect(refused.granted).toBe(false);
    expect(refused.remaining).toBe(2);
    expect(refused.retryAfterMs).toBeGreaterThan(1000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(2000);
    expect(await bucket.available()).toBeGreaterThanOrEqual(2);
  });

  it('two clients on one key share one budget', async () => {
    const other = new Redis(server.url);
    try {
      const a = new RedisTokenBucket({
        redis,
        key: 'tb:shared',
        ratePerSecond: 0.001,
        capacity: 10,
      });
      const b = new RedisTokenBucket({
        redis: other,
        key: 'tb:shared',
        ratePerSecond: 0.001,
        capacity: 10,
      });
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).take()),
      );
      expect(results.filter((r) => r.granted)).toHaveLength(10);
    } finally {
      other.disconnect();
    }
  });

  it('lease() grants what is there, charges first, and refund()/reset() give back up to the burst', async () => {
    const bucket = new RedisTokenBucket({
      redis,
      key: 'tb:lease',
      ratePerSecond: 0.001,
      burst: 10,
    });
    expect((await bucket.lease(4)).granted).toBe(4);
    expect((await bucket.lease(10, { charge: 2 })).granted).toBe(4);
    await bucket.refund(3);
    expect(Math.floor(await bucket.available())).toBe(3);
    await bucket.reset();
    expect(await bucket.available()).toBe(10);
    const fresh = new RedisTokenBucket({
      redis,
      key: 'tb:lease-fresh',
      ratePerSecond: 0.001,
      burst: 10,
    });
    expect((await fresh.lease(5, { initialTokens: 0 })).granted).toBe(0);
  });

  it('setRate() applies from the next call; toString() describes it', async () => {
    const bucket = new RedisTokenBucket({ redis, key: 'tb:rate', ratePerSecond: 10 });
    bucket.setRate(0.001, 3);
    expect([bucket.ratePerSecond, bucket.burst, bucket.capacity]).toEqual([0.001, 3, 3]);
    expect((await bucket.lease(10)).granted).toBe(3);
    expect(String(bucket)).toBe('RedisTokenBucket{key="tb:rate", ratePerSecond=0.001, burst=3}');
  });

  it('rejects bad input at the boundary and Redis failures through the promise', async () => {
    expect(() => new RedisTokenBucket({ redis, key: 'k', ratePerSecond: 5, burst: 0 })).toThrow(
      /`burst`/,
    );
    const bucket = new RedisTokenBucket({ redis, key: 'tb:bad', ratePerSecond: 1, burst: 2 });
    expect(() => bucket.take(3)).toThrow(RangeError);
    expect(() => bucket.take(1.5)).toThrow(/`tokens`/);
    expect(() => bucket.lease(-1)).toThrow(/`max`/);
    const dead = new Redis({
      port: 1,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    dead.on('error', () => {});
    const unreachable = new RedisTokenBucket({ redis: dead, key: 'k', ratePerSecond: 1 });
    await expect(unreachable.take()).rejects.toThrow();
    dead.disconnect();
  });
});
