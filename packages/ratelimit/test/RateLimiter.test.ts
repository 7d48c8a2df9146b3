import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimitExceededError } from '../src/RateLimitExceededError.js';
import { RateLimiter } from '../src/RateLimiter.js';
import { withRateLimit } from '../src/withRateLimit.js';
import { ManualClock } from './helpers/ManualClock.js';

// Fake timers drive both the limiter's setTimeout and its injected clock (Date.now is faked too).
const clock = () => Date.now();

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Records the order in which promises settle. */
function track(order: string[], name: string, promise: Promise<unknown>) {
  return promise.then(
    () => order.push(name),
    (error: unknown) => order.push(`${name}:${(error as Error).name}`),
  );
}

describe('RateLimiter', () => {
  it('serves waiters first come, first served; a small later request never overtakes', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 10, burstSize: 5, clock, metrics: false });
    const order: string[] = [];
    await limiter.acquire(5); // empty the bucket
    const a = track(order, 'a(5)', limiter.acquire(5));
    const b = track(order, 'b(1)', limiter.acquire(1));
    const c = track(order, 'c(2)', limiter.acquire(2));
    expect(limiter.tryAcquire()).toBe(false); // nobody jumps the queue
    await vi.advanceTimersByTimeAsync(499);
    expect(order).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(order).toEqual(['a(5)']);
    await vi.advanceTimersByTimeAsync(100);
    expect(order).toEqual(['a(5)', 'b(1)']);
    await vi.advanceTimersByTimeAsync(200);
    await Promise.all([a, b, c]);
    expect(order).toEqual(['a(5)', 'b(1)', 'c(2)']);
  });

  it('serves any sequence of requests in call order, each no earlier than the budget allows (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 25 }),
        async (rate, burst, sizes) => {
          const limiter = new RateLimiter({
            requestsPerSecond: rate,
            burstSize: burst,
            clock,
            metrics: false,
          });
          const start = Date.now();
          const served: { index: number; at: number }[] = [];
          const all = sizes.map((size, index) =>
            limiter
              .acquire(Math.min(size, burst))
              .then(() => served.push({ index, at: Date.now() })),
          );
          await vi.advanceTimersByTimeAsync(1_000_000);
          await Promise.all(all);
          expect(served.map((s) => s.index)).toEqual(sizes.map((_, i) => i));
          // by the time request i is served, tokens granted so far fit in burst + rate × elapsed
          let granted = 0;
          served.forEach(({ index, at }) => {
            granted += Math.min(sizes[index]!, burst);
            expect(granted).toBeLessThanOrEqual(burst + (rate * (at - start)) / 1000 + 1e-9);
          });
        },
      ),
      { numRuns: 50 },
    );
  });

  it('passes the expected wait to onWait', async () => {
    const waits: number[] = [];
    const limiter = new RateLimiter({
      requestsPerSecond: 10,
      burstSize: 1,
      clock,
      onWait: (ms) => waits.push(ms),
      metrics: false,
    });
    const all = [limiter.acquire(), limiter.acquire(), limiter.acquire(), limiter.acquire()];
    expect(waits).toEqual([100, 200, 300]);
    await vi.advanceTimersByTimeAsync(300);
    await Promise.all(all);
    expect(limiter.stats()).toEqual({ requests: 4, limited: 3, waiting: 0 });
  });

  it('an aborted wait rejects with the signal reason and gives its place back', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 10, burstSize: 1, clock, metrics: false });
    const order: string[] = [];
    await limiter.acquire();
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const first = limiter.acquire(1, { signal: controller.signal });
    const firstSettled = first.catch((error: unknown) => error);
    const second = track(order, 'second', limiter.acquire());
    expect(limiter.queueLength).toBe(2);
    controller.abort(reason);
    expect(await firstSettled).toBe(reason);
    expect(limiter.queueLength).toBe(1);
    await vi.advanceTimersByTimeAsync(100); // second gets the token first would have had
    await second;
    expect(order).toEqual(['second']);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 1, clock, metrics: false });
    const reason = new Error('already');
    await expect(limiter.acquire(1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(limiter.availableTokens()).toBe(1);
  });

  it('bounds the queue with maxQueue: overflow rejects immediately', async () => {
    const limiter = new RateLimiter({
      requestsPerSecond: 1,
      burstSize: 1,
      maxQueue: 2,
      clock,
      metrics: false,
    });
    await limiter.acquire();
    const waiting = [limiter.acquire(), limiter.acquire()];
    const overflow = limiter.acquire();
    await expect(overflow).rejects.toBeInstanceOf(RateLimitExceededError);
    await expect(overflow).rejects.toMatchObject({ reason: 'queue-full', retryAfterMs: 3000 });
    expect(limiter.queueLength).toBe(2);
    await vi.advanceTimersByTimeAsync(2000);
    await Promise.all(waiting);
  });

  it('with waitOnLimit: false rejects with a RateLimitExceededError carrying a correct retryAfterMs', async () => {
    const limiter = new RateLimiter({
      requestsPerSecond: 4,
      burstSize: 2,
      waitOnLimit: false,
      clock,
      metrics: false,
    });
    await limiter.acquire(2);
    vi.advanceTimersByTime(100); // 0.4 tokens back
    const error = await limiter.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitExceededError);
    expect((error as RateLimitExceededError).retryAfterMs).toBe(150);
    expect((error as RateLimitExceededError).reason).toBe('limited');
    vi.advanceTimersByTime(149);
    await expect(limiter.acquire()).rejects.toBeInstanceOf(RateLimitExceededError);
    vi.advanceTimersByTime(1);
    await expect(limiter.acquire()).resolves.toBeUndefined();
  });

  it('reset() refills and serves waiters', async () => {
    const limiter = new RateLimiter({
      requestsPerSecond: 0.001,
      burstSize: 2,
      clock,
      metrics: false,
    });
    await limiter.acquire(2);
    let served = false;
    const waiting = limiter.acquire(2).then(() => {
      served = true;
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(served).toBe(false);
    limiter.reset();
    await waiting;
    expect(served).toBe(true);
  });

  it('rejects token counts it could never grant', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 1, burstSize: 3, clock, metrics: false });
    await expect(limiter.acquire(4)).rejects.toThrow(RangeError);
    await expect(limiter.acquire(1.5)).rejects.toThrow(/`tokens`/);
  });
});

describe('withRateLimit', () => {
  it('wraps sync and async functions, passing arguments, this and errors through', async () => {
    const limiter = new RateLimiter({
      requestsPerSecond: 1000,
      burstSize: 10,
      clock,
      metrics: false,
    });
    const add = withRateLimit((a: number, b: number) => a + b, { limiter });
    const upper = withRateLimit(async (s: string) => s.toUpperCase(), { limiter });
    const failure = new Error('boom');
    const fails = withRateLimit(
      () => {
        throw failure;
      },
      { limiter },
    );
    const receiver = {
      factor: 3,
      times: withRateLimit(
        function (this: { factor: number }, x: number) {
          return this.factor * x;
        },
        { limiter },
      ),
    };
    await expect(add(2, 3)).resolves.toBe(5);
    await expect(upper('ok')).resolves.toBe('OK');
    await expect(fails()).rejects.toBe(failure);
    await expect(receiver.times(2)).resolves.toBe(6);
    expect(add.limiter).toBe(limiter);
    expect(limiter.stats().requests).toBe(4);
  });

  it('several wrapped functions share one budget', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 10, burstSize: 1, clock, metrics: false });
    const calls: string[] = [];
    const a = withRateLimit(() => calls.push('a'), { limiter });
    const b = withRateLimit(() => calls.push('b'), { limiter });
    const done = Promise.all([a(), b(), a()]);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(100);
    await done;
    expect(calls).toEqual(['a', 'b', 'a']);
  });

  it('builds its own limiter from options and does not call fn when refused', async () => {
    let calls = 0;
    const once = withRateLimit(() => ++calls, {
      requestsPerSecond: 1,
      waitOnLimit: false,
      clock,
      metrics: false,
    });
    await expect(once()).resolves.toBe(1);
    await expect(once()).rejects.toBeInstanceOf(RateLimitExceededError);
    expect(calls).toBe(1);
  });
});

describe('RateLimiter waits that Node timers cannot hold', () => {
  it('a zero rate refuses at once a wait it could never serve (retryAfterMs: Infinity)', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 0, clock, metrics: false });
    await limiter.acquire(); // the burst of one
    const refused = await limiter.acquire().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimitExceededError);
    expect((refused as RateLimitExceededError).retryAfterMs).toBe(Number.POSITIVE_INFINITY);
    expect(limiter.queueLength).toBe(0);
    limiter.reset();
    await limiter.acquire(); // reset() refills: the limiter still works
  });

  it('a wait longer than 2³¹−1 ms sleeps in capped steps and re-arms', async () => {
    vi.useRealTimers();
    const time = new ManualClock();
    // Record the timers the limiter arms instead of letting them run: the test fires them.
    const armed: { fn: () => void; delay: number }[] = [];
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
      fn: () => void,
      delay: number,
    ) => {
      armed.push({ fn, delay });
      return { ref() {}, unref() {}, hasRef: () => false } as unknown as NodeJS.Timeout;
    }) as unknown as typeof setTimeout);
    const clearSpy = vi.spyOn(globalThis, 'clearTimeout').mockImplementation(() => {});
    try {
      const fortyDaysMs = 40 * 86_400_000;
      const limiter = new RateLimiter({
        requestsPerSecond: 1000 / fortyDaysMs,
        burstSize: 1,
        clock: time.clock,
        metrics: false,
      });
      await limiter.acquire();
      let served = false;
      const waiting = limiter.acquire().then(() => {
        served = true;
      });
      expect(armed).toHaveLength(1);
      expect(armed[0]!.delay).toBe(2 ** 31 - 1); // capped, not 3,456,000,000
      time.advance(2 ** 31 - 1);
      armed[0]!.fn();
      await Promise.resolve();
      expect(served).toBe(false); // 24.8 days of 40: re-armed for the rest
      expect(armed).toHaveLength(2);
      const rest = fortyDaysMs - (2 ** 31 - 1);
      expect(armed[1]!.delay).toBeGreaterThanOrEqual(rest);
      expect(armed[1]!.delay).toBeLessThanOrEqual(rest + 1); // rounded up to a whole ms
      time.advance(armed[1]!.delay);
      armed[1]!.fn();
      await waiting;
      expect(served).toBe(true);
    } finally {
      spy.mockRestore();
      clearSpy.mockRestore();
    }
  });
});
