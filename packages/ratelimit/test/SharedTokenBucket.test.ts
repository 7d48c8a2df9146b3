import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SharedTokenBucket } from '../src/SharedTokenBucket.js';
import { ManualClock } from './helpers/ManualClock.js';

// Workers run plain JS: the built CommonJS file (the root `pnpm test` builds before vitest).
const builtCjs = fileURLToPath(new URL('../dist/index.cjs', import.meta.url));

/** Starts `count` workers that wait on a shared gate, then each try `attempts` takes. */
async function raceWorkers(
  buffer: SharedArrayBuffer,
  count: number,
  attempts: number,
): Promise<number[]> {
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { SharedTokenBucket } = require(workerData.builtCjs);
    const bucket = SharedTokenBucket.from(workerData.buffer);
    const gate = new Int32Array(workerData.gate);
    Atomics.add(gate, 0, 1);
    Atomics.notify(gate, 0);
    while (Atomics.load(gate, 0) < workerData.count + 1) Atomics.wait(gate, 0, Atomics.load(gate, 0), 5);
    let granted = 0;
    for (let i = 0; i < workerData.attempts; i++) if (bucket.tryTake()) granted++;
    parentPort.postMessage(granted);
  `;
  const workers = Array.from(
    { length: count },
    () =>
      new Worker(source, {
        eval: true,
        workerData: { buffer, gate: gate.buffer, count, attempts, builtCjs },
      }),
  );
  const results = workers.map(
    (worker) =>
      new Promise<number>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      }),
  );
  // release all workers at once, when all are ready, to maximise contention
  while (Atomics.load(gate, 0) < count) await new Promise((r) => setTimeout(r, 2));
  Atomics.add(gate, 0, 1);
  Atomics.notify(gate, 0);
  const granted = await Promise.all(results);
  await Promise.all(workers.map((w) => w.terminate()));
  return granted;
}

describe('SharedTokenBucket across worker threads', () => {
  it('4 workers × 150 takes against capacity 100 with a negligible rate grant exactly 100, every run', async () => {
    for (let run = 0; run < 5; run++) {
      const bucket = new SharedTokenBucket({ ratePerSecond: 0.001, capacity: 100 });
      const granted = await raceWorkers(bucket.buffer, 4, 150);
      expect(granted.reduce((a, b) => a + b, 0)).toBe(100);
      expect(bucket.available()).toBeLessThan(1);
    }
  });

  it('setRate racing 4 taking workers never hands out tokens (balance kept, clamped)', async () => {
    for (let run = 0; run < 3; run++) {
      const bucket = new SharedTokenBucket({ ratePerSecond: 0.001, capacity: 100 });
      let toggles = 0;
      let racing = true;
      const toggler = (async () => {
        while (racing) {
          bucket.setRate(0.001, toggles % 2 === 0 ? 120 : 100); // a larger capacity adds no tokens
          toggles++;
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      // many attempts, so that the workers are still taking while setRate runs
      const granted = await raceWorkers(bucket.buffer, 4, 200_000);
      racing = false;
      await toggler;
      expect(toggles).toBeGreaterThan(0);
      expect(granted.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(100);
      expect(bucket.available()).toBeGreaterThanOrEqual(0);
    }
  });

  it('a worker sees the same balance and configuration', async () => {
    const bucket = new SharedTokenBucket({ ratePerSecond: 0, capacity: 10 });
    bucket.tryTake(4);
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const { SharedTokenBucket } = require(workerData.builtCjs);
       const b = SharedTokenBucket.from(workerData.buffer);
       b.tryTake(5);
       parentPort.postMessage([b.available(), b.capacity, String(b)]);`,
      { eval: true, workerData: { buffer: bucket.buffer, builtCjs } },
    );
    const [available, capacity, text] = await new Promise<[number, number, string]>(
      (resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      },
    );
    await worker.terminate();
    expect(available).toBe(1);
    expect(capacity).toBe(10);
    expect(text).toBe('SharedTokenBucket{ratePerSecond=0, burst=10}');
    expect(bucket.available()).toBe(1);
  });
});

describe('SharedTokenBucket in one thread', () => {
  it('behaves as a token bucket: burst, refill, debt, refund, reset', () => {
    const time = new ManualClock(1_700_000_000_000);
    const bucket = new SharedTokenBucket({ ratePerSecond: 10, capacity: 5, clock: time.clock });
    let granted = 0;
    while (bucket.tryTake()) granted++;
    expect(granted).toBe(5);
    expect(bucket.retryAfterMs()).toBe(100);
    time.advance(99);
    expect(bucket.tryTake()).toBe(false);
    time.advance(1);
    expect(bucket.tryTake()).toBe(true);
    bucket.forceTake(3);
    expect(bucket.available()).toBeCloseTo(-3, 9);
    bucket.refund(2);
    expect(bucket.available()).toBeCloseTo(-1, 9);
    bucket.reset();
    expect(bucket.available()).toBe(5);
    time.advance(1e7);
    expect(bucket.available()).toBe(5);
  });

  it('from(buffer) attaches to the same state', () => {
    const time = new ManualClock(50);
    const a = new SharedTokenBucket({ ratePerSecond: 1, capacity: 3, clock: time.clock });
    const b = SharedTokenBucket.from(a.buffer, { clock: time.clock });
    expect(a.tryTake(2)).toBe(true);
    expect(b.available()).toBe(1);
    expect(b.tryTake(2)).toBe(false);
    b.setRate(1000, 2);
    expect(a.capacity).toBe(2);
    expect(a.ratePerSecond).toBe(1000);
    expect(a.available()).toBeCloseTo(1, 9); // balance kept through setRate
    time.advance(1);
    expect(a.available()).toBe(2); // clamped to the new capacity
  });

  it('Infinity always allows; 0 never refills', () => {
    const time = new ManualClock();
    const unbounded = new SharedTokenBucket({
      ratePerSecond: Number.POSITIVE_INFINITY,
      capacity: 1,
      clock: time.clock,
    });
    for (let i = 0; i < 100; i++) expect(unbounded.tryTake()).toBe(true);
    unbounded.setRate(1, 1);
    expect(unbounded.tryTake()).toBe(true);
    expect(unbounded.tryTake()).toBe(false);
    const fixed = new SharedTokenBucket({ ratePerSecond: 0, capacity: 2, clock: time.clock });
    fixed.tryTake(2);
    time.advance(1e9);
    expect(fixed.tryTake()).toBe(false);
    expect(fixed.retryAfterMs()).toBe(Number.POSITIVE_INFINITY);
  });

  it('grants at most capacity + rate × elapsed and stays within [0, capacity] (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1000, noNaN: true }),
        fc.integer({ min: 5, max: 100 }),
        fc.array(fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: -3000, max: -1 })), {
          maxLength: 150,
        }),
        (rate, capacity, steps) => {
          const time = new ManualClock(1_700_000_000_000);
          const bucket = new SharedTokenBucket({
            ratePerSecond: rate,
            capacity,
            clock: time.clock,
          });
          let granted = 0;
          let elapsed = 0;
          for (const step of steps) {
            if (step < 0) {
              time.advance(-step);
              elapsed -= step;
            } else if (bucket.tryTake(step)) granted += step;
            expect(bucket.available()).toBeGreaterThanOrEqual(-1e-6);
            expect(bucket.available()).toBeLessThanOrEqual(capacity);
            expect(granted).toBeLessThanOrEqual(capacity + (rate * elapsed) / 1000 + 1e-6);
          }
        },
      ),
    );
  });

  it('from() refuses anything but a SharedTokenBucket buffer, naming the option', () => {
    expect(() =>
      SharedTokenBucket.from(new ArrayBuffer(40) as unknown as SharedArrayBuffer),
    ).toThrow(/`buffer`/);
    expect(() => SharedTokenBucket.from(new SharedArrayBuffer(40))).toThrow(
      /`buffer` of a SharedTokenBucket/,
    );
    expect(() => SharedTokenBucket.from(new SharedArrayBuffer(8))).toThrow(TypeError);
  });
});
