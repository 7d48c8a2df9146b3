/**
 * The key → slot index of the keyed limiters, with a least-recently-used order and a hard limit.
 *
 * Per-key state lives in typed arrays owned by the limiter (struct of arrays), indexed by slot:
 * a live key costs one `Map` entry plus a few typed-array cells, about 100 bytes, instead of an
 * object with boxed doubles. The LRU order is a doubly linked list in two `Int32Array`s, so
 * touching a key is a handful of integer writes and no allocation.
 *
 * Internal: not exported from the package.
 */
export class KeyTable {
  readonly #index = new Map<string, number>();
  #keys: (string | undefined)[] = [];
  #prev: Int32Array;
  #next: Int32Array;
  /** Most recently used slot, or -1. */
  #head = -1;
  /** Least recently used slot, or -1. */
  #tail = -1;
  /** First free slot (free slots are chained through `#next`), or -1. */
  #free = -1;
  /** Slots handed out so far; slots below this were used at least once. */
  #used = 0;
  #capacity: number;
  readonly #grow: (capacity: number) => void;

  /**
   * @param maxKeys hard limit on live keys.
   * @param grow called with the new slot capacity before a slot beyond the current one is used,
   *   so the owner can grow its typed arrays alongside.
   */
  constructor(
    readonly maxKeys: number,
    grow: (capacity: number) => void,
  ) {
    this.#capacity = Math.min(maxKeys, 1024);
    this.#prev = new Int32Array(this.#capacity);
    this.#next = new Int32Array(this.#capacity);
    this.#grow = grow;
    grow(this.#capacity);
  }

  get size(): number {
    return this.#index.size;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** The least recently used slot, or -1 when empty. */
  get tail(): number {
    return this.#tail;
  }

  get(key: string): number | undefined {
    return this.#index.get(key);
  }

  keyAt(slot: number): string {
    return this.#keys[slot]!;
  }

  /** Marks `slot` as most recently used. */
  touch(slot: number): void {
    if (slot === this.#head) return;
    const prev = this.#prev[slot]!;
    const next = this.#next[slot]!;
    // slot is not the head, so prev !== -1
    this.#next[prev] = next;
    if (next === -1) this.#tail = prev;
    else this.#prev[next] = prev;
    this.#prev[slot] = -1;
    this.#next[slot] = this.#head;
    this.#prev[this.#head] = slot;
    this.#head = slot;
  }

  /** Adds `key` as most recently used. The caller makes room first (size < maxKeys). */
  insert(key: string): number {
    let slot = this.#free;
    if (slot !== -1) {
      this.#free = this.#next[slot]!;
    } else {
      if (this.#used === this.#capacity) this.#enlarge();
      slot = this.#used++;
    }
    this.#keys[slot] = key;
    this.#index.set(key, slot);
    this.#prev[slot] = -1;
    this.#next[slot] = this.#head;
    if (this.#head !== -1) this.#prev[this.#head] = slot;
    else this.#tail = slot;
    this.#head = slot;
    return slot;
  }

  /** Removes the key held in `slot` and frees the slot. */
  remove(slot: number): void {
    const key = this.#keys[slot];
    if (key === undefined) return;
    this.#index.delete(key);
    this.#keys[slot] = undefined;
    const prev = this.#prev[slot]!;
    const next = this.#next[slot]!;
    if (prev === -1) this.#head = next;
    else this.#next[prev] = next;
    if (next === -1) this.#tail = prev;
    else this.#prev[next] = prev;
    this.#next[slot] = this.#free;
    this.#free = slot;
  }

  clear(): void {
    this.#index.clear();
    this.#keys = [];
    this.#head = this.#tail = this.#free = -1;
    this.#used = 0;
  }

  /** Calls `fn` for every live key, most recently used first. */
  forEach(fn: (key: string, slot: number) => void): void {
    for (let slot = this.#head; slot !== -1; slot = this.#next[slot]!) fn(this.#keys[slot]!, slot);
  }

  #enlarge(): void {
    const capacity = Math.min(this.maxKeys, this.#capacity * 2);
    this.#prev = grown(this.#prev, capacity);
    this.#next = grown(this.#next, capacity);
    this.#capacity = capacity;
    this.#grow(capacity);
  }
}

/** A copy of `array` with room for `length` elements. */
export function grown<T extends Int32Array | Float64Array | Uint32Array>(
  array: T,
  length: number,
): T {
  const next = new (array.constructor as new (length: number) => T)(length);
  next.set(array);
  return next;
}
