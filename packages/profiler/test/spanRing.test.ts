import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Span } from '../src/Span.js';
import { RING_INITIAL_SLOTS, SpanRing } from '../src/SpanRing.js';

/** Stand-ins for spans: the ring only stores and returns references. */
const span = (id: number): Span => ({ id }) as unknown as Span;
const ids = (spans: Span[]): number[] => spans.map((s) => (s as unknown as { id: number }).id);

describe('SpanRing', () => {
  it('returns spans oldest first across the end of its array', () => {
    const ring = new SpanRing(5);
    for (let i = 0; i < 4; i++) ring.push(span(i));
    expect(ids(ring.take(3))).toEqual([0, 1, 2]);
    for (let i = 4; i < 8; i++) expect(ring.push(span(i))).toBe(true);
    expect(ring.length).toBe(5);
    // Slots 3, 4, then 0, 1, 2: the batch wraps around.
    expect(ids(ring.take(4))).toEqual([3, 4, 5, 6]);
    expect(ids(ring.take(10))).toEqual([7]);
    expect(ring.length).toBe(0);
    expect(ring.take(3)).toEqual([]);
  });

  it('refuses a span when it holds maxSize spans, and takes one again after a batch', () => {
    const ring = new SpanRing(3);
    expect([1, 2, 3, 4].map((i) => ring.push(span(i)))).toEqual([true, true, true, false]);
    expect(ring.length).toBe(3);
    expect(ids(ring.take(1))).toEqual([1]);
    expect(ring.push(span(5))).toBe(true);
    expect(ids(ring.take(3))).toEqual([2, 3, 5]);
  });

  it('allocates a small bound whole, and grows a large one by doubling while keeping order', () => {
    expect(new SpanRing(2048).capacity).toBe(2048);
    const max = RING_INITIAL_SLOTS * 3;
    const ring = new SpanRing(max);
    expect(ring.capacity).toBe(RING_INITIAL_SLOTS);
    // Start the contents mid-array, so the growth copies a wrapped ring.
    for (let i = 0; i < 10; i++) ring.push(span(-1));
    ring.take(10);
    for (let i = 0; i < max; i++) expect(ring.push(span(i))).toBe(true);
    expect(ring.push(span(max))).toBe(false);
    expect(ring.capacity).toBe(max);
    const all = ids(ring.take(max));
    expect(all).toHaveLength(max);
    expect(all.every((id, i) => id === i)).toBe(true);
  });

  it('clear() empties it and says how many spans it held', () => {
    const ring = new SpanRing(4);
    for (let i = 0; i < 3; i++) ring.push(span(i));
    expect(ring.clear()).toBe(3);
    expect(ring.length).toBe(0);
    ring.push(span(9));
    expect(ids(ring.take(4))).toEqual([9]);
  });

  it('behaves as a bounded first-in first-out queue under any sequence of pushes and takes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 12 })), { maxLength: 80 }),
        (maxSize, ops) => {
          const ring = new SpanRing(maxSize);
          const model: number[] = [];
          let next = 0;
          for (const op of ops) {
            if (op === -1) {
              const id = next++;
              const stored = ring.push(span(id));
              expect(stored).toBe(model.length < maxSize);
              if (stored) model.push(id);
            } else {
              expect(ids(ring.take(op))).toEqual(model.splice(0, op));
            }
            expect(ring.length).toBe(model.length);
          }
        },
      ),
    );
  });
});
