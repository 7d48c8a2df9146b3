import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RedisKeyedRateLimiter,
  type RedisKeyedRateLimiterOptions,
} from '../src/RedisKeyedRateLimiter.js';
import { RedisServer } from './helpers/RedisServer.js';

let server: RedisServer;
let redis: Redis;
let prefixes = 0;
const prefix = () => `keyed${++prefixes}:`;

beforeAll(async () => {
  server = await RedisServer.start();
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe('RedisKeyedRateLimiter', () => {
  it('limits each key across instances: one burst for all of them, with retry-after and remaining', async () => {
    const other = new Redis(server.url);
    try {
      const p = prefix();
      const a = new RedisKeyedRateLimiter({ redis, prefix: p, ratePerSecond: 1, burst: 3 });
      const b = new RedisKeyedRateLimiter({ redis: other, prefix: p, ratePerSecond: 1, burst: 3 });
      expect(await a.check('client-1')).toEqual({ allowed: true, retryAfterMs: 0, remaining: 2 });
      expect((await b.check('client-1')).remaining).toBe(1);
      expect((await a.check('client-1')).allowed).toBe(true);
      const refused = await b.check('client-1');
      expect(refused.allowed).toBe(false);
      expect(refused.remaining).toBe(0);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
      expect((await a.check('client-2')).allowed).toBe(true); // keys are independent
      const usage = await a.usage('client-1');
      expect([usage.requests, usage.limited]).toEqual([4, 1]);
      expect(usage.tokens).toBeLessThan(1);
      expect(a.stats()).toMatchObject({ requests: 3, limited: 0 });
      expect(b.stats()).toMatchObject({ requests: 2, limited: 1 });
    } finally {
      other.disconnect();
    }
  });

  it('configure() sets a per-key rate and burst; removeOverride() goes back to the defaults', async () => {
    const limiter = new RedisKeyedRateLimiter({
      redis,
      prefix: prefix(),
      ratePerSecond: 0.001,
      burst: 1,
    });
    limiter.configure('partner', { ratePerSecond: 0.001, burst: 5 });
    let allowed = 0;
    for (let i = 0; i < 8; i++) if ((await limiter.check('partner')).allowed) allowed++;
    expect(allowed).toBe(5);
    expect(limiter.removeOverride('partner')).toBe(true);
    expect((await limiter.check('anyone')).allowed).toBe(true);
    expect((await limiter.check('anyone')).allowed).toBe(false);
  });

  it('disabled: allows everything and still counts what would have been refused', async () => {
    const limiter = new RedisKeyedRateLimiter({
      redis,
      prefix: prefix(),
      ratePerSecond: 0.001,
      burst: 1,
      enabled: false,
    });
    for (let i = 0; i < 3; i++) expect((await limiter.check('k')).allowed).toBe(true);
    expect(limiter.stats().limited).toBe(2);
    expect((await limiter.usage('k')).limited).toBe(2);
  });

  it('stores long client keys hashed, so Redis memory per key is bounded', async () => {
    const p = prefix();
    const limiter = new RedisKeyedRateLimiter({ redis, prefix: p, ratePerSecond: 1, burst: 2 });
    const long = 'x'.repeat(8192);
    await limiter.check(long);
    await limiter.check(`${long}y`); // a different long key: its own bucket
    const stored = await redis.keys(`${p}*`);
    expect(stored).toHaveLength(2);
    for (const key of stored) expect(key.length).toBeLessThan(p.length + 128);
    expect((await limiter.usage(long)).requests).toBe(1);
  });

  it('idle keys expire once full again; delete() forgets a key', async () => {
    const p = prefix();
    const limiter = new RedisKeyedRateLimiter({ redis, prefix: p, ratePerSecond: 10, burst: 2 });
    await limiter.check('idle');
    const ttl = await redis.pttl(`${p}idle`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1100 + 100);
    expect(await limiter.delete('idle')).toBe(true);
    expect(await limiter.delete('idle')).toBe(false);
  });

  it('Redis unreachable: decides locally on its share, never rejects, reports once', async () => {
    const dead = new Redis({
      host: '127.0.0.1',
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    dead.on('error', () => {});
    const errors: Error[] = [];
    const limiter = new RedisKeyedRateLimiter({
      redis: dead,
      ratePerSecond: 0.001,
      burst: 8,
      expectedReplicas: 4,
      onError: (error) => errors.push(error),
    });
    const decisions = await Promise.all(Array.from({ length: 5 }, () => limiter.check('k')));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(2); // burst 8 / 4 replicas
    expect(errors).toHaveLength(1);
    expect(limiter.stats()).toMatchObject({ localChecks: 5, outages: 1, errors: 5 });
    expect((await limiter.usage('k')).requests).toBe(5);
    dead.disconnect();
  });

  it('a slow Redis counts as unreachable after timeoutMs', async () => {
    const slow = { evalsha: () => new Promise(() => {}), eval: () => new Promise(() => {}) };
    const limiter = new RedisKeyedRateLimiter({ redis: slow, ratePerSecond: 1, timeoutMs: 20 });
    expect((await limiter.check('k')).allowed).toBe(true);
    expect(limiter.stats().localChecks).toBe(1);
  });

  it('validates options and arguments, naming them', async () => {
    const ok: RedisKeyedRateLimiterOptions = { redis, ratePerSecond: 1 };
    const cases: [unknown, ErrorConstructor, RegExp][] = [
      [undefined, TypeError, /`options`/],
      [{ ...ok, redis: undefined }, TypeError, /`redis`/],
      [{ ...ok, ratePerSecond: Number.POSITIVE_INFINITY }, RangeError, /`ratePerSecond`/],
      [{ ...ok, burst: 0 }, RangeError, /`burst`/],
      [{ ...ok, prefix: 1 }, TypeError, /`prefix`/],
      [{ ...ok, maxKeyLength: 64 }, RangeError, /`maxKeyLength`/],
      [{ ...ok, enabled: 'yes' }, TypeError, /`enabled`/],
      [{ ...ok, timeoutMs: 0 }, RangeError, /`timeoutMs`/],
      [{ ...ok, timeoutMs: 1e12 }, RangeError, /`timeoutMs` to be at most 2147483647 ms/],
      [{ ...ok, expectedReplicas: 1.5 }, RangeError, /`expectedReplicas`/],
      [{ ...ok, onError: 1 }, TypeError, /`onError`/],
    ];
    for (const [options, type, message] of cases) {
      expect(() => new RedisKeyedRateLimiter(options as RedisKeyedRateLimiterOptions)).toThrow(
        type,
      );
      expect(() => new RedisKeyedRateLimiter(options as RedisKeyedRateLimiterOptions)).toThrow(
        message,
      );
    }
    const limiter = new RedisKeyedRateLimiter({ ...ok, burst: 2 });
    expect(() => limiter.check(42 as never)).toThrow(/`key`/);
    expect(() => limiter.check('k', 3)).toThrow(RangeError);
    expect(() => limiter.configure('k', { ratePerSecond: -1 })).toThrow(/`ratePerSecond`/);
    expect(String(limiter)).toBe(
      'RedisKeyedRateLimiter{prefix="ferret:rl:", ratePerSecond=1, burst=2, maxKeyLength=256, timeoutMs=1000, enabled=true}',
    );
  });
});
