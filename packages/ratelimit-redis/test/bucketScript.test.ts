import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BucketCall, runBucketScript } from '../src/runBucketScript.js';
import { RedisServer } from './helpers/RedisServer.js';

let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await RedisServer.start();
  redis = new Redis(server.url, { lazyConnect: true });
  await redis.connect();
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

const base: BucketCall = {
  ratePerSecond: 10,
  capacity: 20,
  take: 1,
  partial: false,
  adjust: 0,
  initialTokens: 20,
  expire: false,
  count: false,
};

/** The server's clock in microseconds (the one the script refills from). */
async function serverMicros(): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1_000_000 + Number(micros);
}

/**
 * Stores `tokens` last refilled `agoSeconds` before the server's now, runs `call`, and returns
 * the reply with the seconds that really elapsed on the server between the two (a bound on the
 * refill the test cannot pin down exactly).
 */
async function runAfterGap(
  key: string,
  tokens: number,
  agoSeconds: number,
  call: Partial<BucketCall>,
) {
  const before = await serverMicros();
  await redis.hset(key, 't', String(tokens), 'ts', String(before - agoSeconds * 1_000_000));
  const reply = await runBucketScript(redis, key, { ...base, ...call });
  const slack = ((await serverMicros()) - before) / 1_000_000;
  return { reply, slack };
}

describe('the bucket script (refill maths, on a real Redis)', () => {
  it('creates a missing bucket with the initial tokens and takes from it', async () => {
    const reply = await runBucketScript(redis, 'script:new', { ...base, take: 3 });
    expect(reply.granted).toBe(3);
    expect(reply.tokens).toBeGreaterThanOrEqual(17);
    expect(reply.tokens).toBeLessThan(17.1);
    const empty = await runBucketScript(redis, 'script:new-empty', { ...base, initialTokens: 0 });
    expect(empty.granted).toBe(0);
    expect(empty.retryAfterMs).toBeGreaterThan(0);
    expect(empty.retryAfterMs).toBeLessThanOrEqual(100);
  });

  it('refills at fractional rates: 0.4 tokens/s over 2.5 s earns one token', async () => {
    const { reply, slack } = await runAfterGap('script:fractional', 0, 2.5, {
      ratePerSecond: 0.4,
      capacity: 5,
      take: 0,
    });
    expect(reply.tokens).toBeGreaterThanOrEqual(1);
    expect(reply.tokens).toBeLessThanOrEqual(1 + 0.4 * slack + 1e-9);
  });

  it('keeps fractional balances between calls (three thirds make a token)', async () => {
    const key = 'script:thirds';
    const third = await runAfterGap(key, 0, 1, { ratePerSecond: 1 / 3, capacity: 3, take: 1 });
    expect(third.reply.granted).toBe(0); // a third of a token is not a token
    expect(third.reply.tokens).toBeGreaterThanOrEqual(1 / 3);
    const stored = Number(await redis.hget(key, 't'));
    const lastRefill = Number(await redis.hget(key, 'ts'));
    await redis.hset(key, 'ts', String(lastRefill - 2_000_000)); // two more seconds
    const reply = await runBucketScript(redis, key, { ...base, ratePerSecond: 1 / 3, capacity: 3 });
    expect(reply.granted).toBe(1);
    // the refill since the stored time: two seconds plus however long the test took since
    const slack = ((await serverMicros()) - lastRefill) / 1_000_000;
    expect(reply.tokens).toBeGreaterThanOrEqual(stored + 2 / 3 - 1 - 1e-9);
    expect(reply.tokens).toBeLessThanOrEqual(stored + 2 / 3 - 1 + slack / 3 + 1e-9);
  });

  it('clamps to capacity after a large gap (a year away earns one burst, no more)', async () => {
    const { reply } = await runAfterGap('script:gap', 0, 365 * 24 * 3600, {
      ratePerSecond: 1000,
      capacity: 50,
      take: 5,
    });
    expect(reply.granted).toBe(5);
    expect(reply.tokens).toBe(45);
  });

  it('earns nothing when the stored time is ahead of the server clock (a failover to a server behind)', async () => {
    const { reply } = await runAfterGap('script:ahead', 2, -3600, { take: 0 });
    expect(reply.tokens).toBe(2);
    // ...and follows the server clock from there: the stored time is now the server's
    const ts = Number(await redis.hget('script:ahead', 'ts'));
    expect(Math.abs(ts - (await serverMicros()))).toBeLessThan(5_000_000);
  });

  it('all or nothing: a take larger than the balance takes nothing and says when it would succeed', async () => {
    const { reply } = await runAfterGap('script:all', 2.5, 0, { take: 5, ratePerSecond: 10 });
    expect(reply.granted).toBe(0);
    expect(reply.tokens).toBeGreaterThanOrEqual(2.5);
    expect(reply.retryAfterMs).toBeGreaterThan(0);
    expect(reply.retryAfterMs).toBeLessThanOrEqual(250);
  });

  it('partial (a lease) grants the whole tokens that are there, up to the request', async () => {
    const { reply } = await runAfterGap('script:partial', 3.7, 0, {
      take: 10,
      partial: true,
      ratePerSecond: 0.001,
    });
    expect(reply.granted).toBe(3);
    expect(reply.tokens).toBeCloseTo(0.7, 3);
    const { reply: small } = await runAfterGap('script:partial2', 30, 0, {
      take: 4,
      partial: true,
      capacity: 40,
    });
    expect(small.granted).toBe(4);
  });

  it('a charge is taken first and never drives the balance below zero; a refund never above capacity', async () => {
    const { reply: charged } = await runAfterGap('script:charge', 5, 0, {
      adjust: 8,
      take: 1,
      ratePerSecond: 0.001,
    });
    expect(charged.granted).toBe(0);
    expect(charged.tokens).toBeLessThan(0.01);
    expect(charged.tokens).toBeGreaterThanOrEqual(0);
    const { reply: refunded } = await runAfterGap('script:refund', 15, 0, { adjust: -10, take: 0 });
    expect(refunded.tokens).toBe(20);
  });

  it('rate 0 never refills and never promises a retry', async () => {
    const { reply } = await runAfterGap('script:zero', 0.5, 3600, { ratePerSecond: 0 });
    expect(reply.granted).toBe(0);
    expect(reply.tokens).toBe(0.5);
    expect(reply.retryAfterMs).toBe(Number.POSITIVE_INFINITY);
  });

  it('counts requests and refusals when asked, and expires a key once it would be full again', async () => {
    const key = 'script:counted';
    const call = {
      ...base,
      capacity: 2,
      ratePerSecond: 1,
      initialTokens: 2,
      count: true,
      expire: true,
    };
    await runBucketScript(redis, key, call);
    await runBucketScript(redis, key, call);
    const third = await runBucketScript(redis, key, call);
    expect(third.granted).toBe(0);
    expect([third.requests, third.limited]).toEqual([3, 1]);
    const ttl = await redis.pttl(key);
    // about 2 s to refill two tokens, plus a second of margin
    expect(ttl).toBeGreaterThan(1000);
    expect(ttl).toBeLessThanOrEqual(3000);
  });

  it('loads itself again after SCRIPT FLUSH (as after a restarted server)', async () => {
    await redis.script('FLUSH');
    const reply = await runBucketScript(redis, 'script:flushed', base);
    expect(reply.granted).toBe(1);
  });

  it('uses the server clock only: a client clock far off changes nothing', async () => {
    // The script reads no time from its arguments, so the only client input that could carry
    // a clock is the stored state, which the server writes itself. A refill between two calls
    // follows the server's TIME however the caller's clocks disagree.
    const key = 'script:server-clock';
    await runBucketScript(redis, key, {
      ...base,
      initialTokens: 0,
      take: 0,
      ratePerSecond: 100,
      capacity: 1000,
    });
    const start = await serverMicros();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const reply = await runBucketScript(redis, key, {
      ...base,
      take: 0,
      ratePerSecond: 100,
      capacity: 1000,
    });
    const elapsed = ((await serverMicros()) - start) / 1_000_000;
    expect(reply.tokens).toBeGreaterThanOrEqual(100 * 0.15);
    expect(reply.tokens).toBeLessThanOrEqual(100 * (elapsed + 0.05));
  });
});
