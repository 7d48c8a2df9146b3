/**
 * The key → slot index of the keyed limiters, with a hard limit and CLOCK eviction.
 *
 * Per-key state lives in typed arrays owned by the limiter (struct of arrays), indexed by slot:
 * a live key costs one `Map` entry plus a few typed-array cells instead of an object with boxed
 * doubles.
 *
 * Eviction is CLOCK (second chance), the usual approximation of least-recently-used: a use sets
 * a per-slot "referenced" byte (the only bookkeeping on the hot path, no pointer chasing), and a
 * hand sweeping the slots evicts the first key not referenced since the hand last passed,
 * clearing the bytes it passes. New keys start unreferenced, so keys seen only once are evicted
 * before keys checked again since the hand last passed them.
 *
 * Internal: not exported from the package.
 */
export class KeyTable {
  readonly #index = new Map<string, number>();
  /** Key of each slot; undefined for a free slot. */
  #keys: (string | undefined)[] = [];
  #referenced: Uint8Array;
  /** Free slots, reused before new ones. */
  #free: number[] = [];
  /** Slots handed out so far (live or free); the hand sweeps [0, used). */
  #used = 0;
  #hand = 0;
  /** UTF-16 code units of the live keys, for the memory figure in `stats()`. */
  #keyChars = 0;
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
    this.#referenced = new Uint8Array(this.#capacity);
    this.#grow = grow;
    grow(this.#capacity);
  }

  get size(): number {
    return this.#index.size;
  }

  /** Bytes the live keys' strings take at most (2 per UTF-16 code unit). */
  get keyBytes(): number {
    return this.#keyChars * 2;
  }

  get(key: string): number | undefined {
    return this.#index.get(key);
  }

  /** The key → slot map itself (never replaced), for owners that look keys up on a hot path. */
  get index(): ReadonlyMap<string, number> {
    return this.#index;
  }

  /** Marks `slot` as used since the hand last passed. */
  markUsed(slot: number): void {
    this.#referenced[slot] = 1;
  }

  /** Adds `key` (unreferenced). The caller makes room first (size < maxKeys). */
  insert(key: string): number {
    let slot = this.#free.pop();
    if (slot === undefined) {
      if (this.#used === this.#capacity) this.#enlarge();
      slot = this.#used++;
    }
    this.#keys[slot] = key;
    this.#referenced[slot] = 0;
    this.#index.set(key, slot);
    this.#keyChars += key.length;
    return slot;
  }

  /** Removes the key held in `slot` and frees the slot. */
  remove(slot: number): void {
    const key = this.#keys[slot];
    if (key === undefined) return;
    this.#index.delete(key);
    this.#keyChars -= key.length;
    this.#keys[slot] = undefined;
    this.#free.push(slot);
  }

  /**
   * Lossless clean-up: looks at the next `probes` live slots under the hand and evicts those
   * for which `isIdle(slot)` (unused for a while, state indistinguishable from a fresh key).
   * Returns how many were evicted.
   */
  evictIdle(probes: number, isIdle: (slot: number) => boolean): number {
    let evicted = 0;
    for (let i = 0; i < probes && this.#index.size > 0; i++) {
      const slot = this.#advance();
      // Referenced bits are left alone: they are evictOne()'s second chance, and idleness is
      // judged on time since last use, which a recently used key fails anyway.
      if (isIdle(slot)) {
        this.remove(slot);
        evicted++;
      }
    }
    return evicted;
  }

  /** Evicts the CLOCK victim (first unreferenced live slot under the hand) and returns its slot. */
  evictOne(): number {
    for (;;) {
      const slot = this.#advance();
      if (this.#referenced[slot] === 1) {
        this.#referenced[slot] = 0;
        continue;
      }
      this.remove(slot);
      return slot;
    }
  }

  clear(): void {
    this.#index.clear();
    this.#keys = [];
    this.#free = [];
    this.#used = 0;
    this.#hand = 0;
    this.#keyChars = 0;
  }

  /** Calls `fn` for every live key. */
  forEach(fn: (key: string, slot: number) => void): void {
    for (const [key, slot] of this.#index) fn(key, slot);
  }

  /** The next live slot under the hand (the table must not be empty); moves the hand past it. */
  #advance(): number {
    for (;;) {
      const slot = this.#hand;
      this.#hand = slot + 1 >= this.#used ? 0 : slot + 1;
      if (this.#keys[slot] !== undefined) return slot;
    }
  }

  #enlarge(): void {
    const capacity = Math.min(this.maxKeys, this.#capacity * 2);
    this.#referenced = grown(this.#referenced, capacity);
    this.#capacity = capacity;
    this.#grow(capacity);
  }
}

/** A copy of `array` with room for `length` elements. */
export function grown<T extends Uint8Array | Int32Array | Float64Array | Uint32Array>(
  array: T,
  length: number,
): T {
  const next = new (array.constructor as new (length: number) => T)(length);
  next.set(array);
  return next;
}
