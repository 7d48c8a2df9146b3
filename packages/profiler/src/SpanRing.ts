import type { Span } from './Span.js';

/**
 * Most slots a ring allocates before its first span: queues up to this size (the default 2048
 * included) are allocated whole when the profiler is built; a larger `maxQueueSize` starts here
 * and doubles when full, up to its bound.
 */
export const RING_INITIAL_SLOTS = 4096;

/**
 * The flusher's span queue: a bounded first-in first-out ring over one array, so appending a
 * finished span (the caller's path) allocates nothing once the ring has its slots, and taking a
 * batch copies only that batch. It never holds more than `maxSize` spans; a slot is cleared when
 * its span is taken, so the ring keeps no finished span alive.
 * @internal
 */
export class SpanRing {
  readonly #maxSize: number;
  #slots: (Span | undefined)[];
  #head = 0;
  #size = 0;

  constructor(maxSize: number) {
    this.#maxSize = maxSize;
    this.#slots = emptySlots(Math.min(maxSize, RING_INITIAL_SLOTS));
  }

  /** Spans in the ring. */
  get length(): number {
    return this.#size;
  }

  /** Slots allocated (grows by doubling up to `maxSize`, never shrinks). */
  get capacity(): number {
    return this.#slots.length;
  }

  /** Appends `span`; false (nothing stored) when the ring already holds `maxSize` spans. */
  push(span: Span): boolean {
    let slots = this.#slots;
    if (this.#size === slots.length) {
      if (this.#size >= this.#maxSize) return false;
      slots = this.#grow();
    }
    let tail = this.#head + this.#size;
    if (tail >= slots.length) tail -= slots.length;
    slots[tail] = span;
    this.#size++;
    return true;
  }

  /** Removes the oldest `count` spans (at most all of them) and returns them oldest first. */
  take(count: number): Span[] {
    const n = Math.min(count, this.#size);
    const slots = this.#slots;
    const head = this.#head;
    const end = head + n;
    let out: Span[];
    if (end <= slots.length) {
      out = slots.slice(head, end) as Span[];
      slots.fill(undefined, head, end);
    } else {
      // The batch wraps around the end of the array: its tail is the front of the array.
      out = slots.slice(head) as Span[];
      const wrapped = end - slots.length;
      for (let i = 0; i < wrapped; i++) out.push(slots[i]!);
      slots.fill(undefined, head);
      slots.fill(undefined, 0, wrapped);
    }
    this.#size -= n;
    this.#head = this.#size === 0 ? 0 : end % slots.length;
    return out;
  }

  /** Empties the ring; returns how many spans it held. */
  clear(): number {
    const n = this.#size;
    this.#slots.fill(undefined);
    this.#head = 0;
    this.#size = 0;
    return n;
  }

  #grow(): (Span | undefined)[] {
    const old = this.#slots;
    const grown = emptySlots(Math.min(old.length * 2, this.#maxSize));
    for (let i = 0; i < this.#size; i++) {
      let from = this.#head + i;
      if (from >= old.length) from -= old.length;
      grown[i] = old[from];
    }
    this.#slots = grown;
    this.#head = 0;
    return grown;
  }
}

/**
 * An array of `n` empty slots with fast elements (built by appending: `new Array(n)` of a large
 * `n` gives a dictionary-backed array).
 */
function emptySlots(n: number): (Span | undefined)[] {
  const slots: (Span | undefined)[] = [];
  for (let i = 0; i < n; i++) slots.push(undefined);
  return slots;
}
