import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SharedTokenBucket } from '../src/SharedTokenBucket.js';
import { TokenBucket } from '../src/TokenBucket.js';
import { tryTakeAll } from '../src/tryTakeAll.js';

describe('tryTakeAll', () => {
  it('charges every bucket or none', () => {
    const clock = () => 0;
    const client = new TokenBucket({ ratePerSecond: 1, capacity: 5, clock });
    const global = new TokenBucket({ ratePerSecond: 1, capacity: 2, clock });
    expect(
      tryTakeAll([
        [client, 1],
        [global, 1],
      ]),
    ).toBe(true);
    expect(
      tryTakeAll([
        [client, 1],
        [global, 1],
      ]),
    ).toBe(true);
    expect(
      tryTakeAll([
        [client, 1],
        [global, 1],
      ]),
    ).toBe(false);
    expect(client.available()).toBe(3); // the refused call charged nothing
    expect(global.available()).toBe(0);
  });

  it('is all-or-nothing for any buckets and takes, including repeated buckets (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            capacity: fc.integer({ min: 1, max: 10 }),
            taken: fc.integer({ min: 0, max: 10 }),
          }),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 10 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.boolean(),
        (specs, picks, shared) => {
          const clock = () => 1000;
          const buckets = specs.map(({ capacity, taken }) => {
            const bucket = shared
              ? new SharedTokenBucket({ ratePerSecond: 0, capacity, clock })
              : new TokenBucket({ ratePerSecond: 0, capacity, clock });
            bucket.tryTake(Math.min(capacity, Math.max(1, taken)));
            return bucket;
          });
          const takes = picks.map(([i, n]) => {
            const bucket = buckets[i % buckets.length]!;
            return [bucket, Math.min(n, bucket.capacity)] as const;
          });
          const before = buckets.map((b) => b.available());
          const need = buckets.map((b) =>
            takes.filter(([t]) => t === b).reduce((sum, [, n]) => sum + n, 0),
          );
          const feasible = buckets.every((_, i) => before[i]! >= need[i]!);
          expect(tryTakeAll(takes)).toBe(feasible);
          buckets.forEach((b, i) => {
            expect(b.available()).toBeCloseTo(feasible ? before[i]! - need[i]! : before[i]!, 9);
          });
        },
      ),
    );
  });

  it('validates every entry before taking anything', () => {
    const bucket = new TokenBucket({ ratePerSecond: 1, capacity: 2, clock: () => 0 });
    expect(() =>
      tryTakeAll([
        [bucket, 1],
        [bucket, 3],
      ]),
    ).toThrow(/`takes\[1\]\[1\]`/);
    expect(() => tryTakeAll([[bucket, 0]])).toThrow(RangeError);
    expect(() => tryTakeAll([[{} as TokenBucket, 1]])).toThrow(/`takes\[0\]\[0\]`/);
    expect(() => tryTakeAll('x' as never)).toThrow(/`takes`/);
    expect(bucket.available()).toBe(2);
  });
});
