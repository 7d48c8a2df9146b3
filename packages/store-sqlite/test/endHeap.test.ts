import { describe, expect, it } from 'vitest';
import { EndHeap } from '../src/endHeap.js';

describe('EndHeap', () => {
  it('pops items in end order, whatever the push order, and peeks without removing', () => {
    // A fixed pseudo-random sequence (LCG), repeated ends included.
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % 500;
    };
    const heap = new EndHeap<{ end: number; id: number }>();
    const ends: number[] = [];
    for (let id = 0; id < 2000; id++) {
      const end = next();
      ends.push(end);
      heap.push({ end, id });
    }
    expect(heap.size).toBe(2000);
    const popped: number[] = [];
    while (heap.size > 0) {
      const top = heap.peek()!;
      expect(heap.pop()).toBe(top);
      popped.push(top.end);
    }
    expect(popped).toEqual([...ends].sort((a, b) => a - b));
    expect(heap.pop()).toBeUndefined();
    expect(heap.peek()).toBeUndefined();
  });

  it('interleaved pushes and pops keep the smallest end on top', () => {
    const heap = new EndHeap<{ end: number }>();
    heap.push({ end: 5 });
    heap.push({ end: 3 });
    expect(heap.pop()!.end).toBe(3);
    heap.push({ end: 1 });
    heap.push({ end: 4 });
    expect(heap.pop()!.end).toBe(1);
    expect(heap.pop()!.end).toBe(4);
    expect(heap.pop()!.end).toBe(5);
    expect(heap.size).toBe(0);
  });
});
