// A map from span (or trace) id to a value for the passes that add and remove one entry per span
// (localRoots.ts, selfTimeWalk.ts, RecentMap.ts). A JavaScript Map that loses an entry per span
// keeps rehashing into new tables, and V8 leaves each replaced table holding the entries it had:
// the garbage collector then copies and promotes about every span that passed through the map, and
// the young generation grows to its maximum (64 MB semi-spaces on Node 24: 300 MB peak RSS for
// `analyze` over 1,000,000 spans). This table overwrites its own slots instead, so a removed entry
// is garbage at once and memory follows the entries held.

/**
 * An open-addressing hash table (linear probing, removal by backward shift) from string keys to
 * values. Keys are hashed with a seed chosen per table, so a crafted file cannot pick ids that
 * all land in one probe run. {@link SpanIdIndex.set} returns the key's hash, which a caller may
 * keep and hand back to {@link SpanIdIndex.deleteIf} to save hashing the key again.
 */
export class SpanIdIndex<V> {
  #keys: (string | undefined)[];
  #values: (V | undefined)[];
  #hashes: Int32Array;
  #mask: number;
  #size = 0;
  readonly #seed = (Math.random() * 0x100000000) | 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.#keys = new Array<string | undefined>(capacity).fill(undefined);
    this.#values = new Array<V | undefined>(capacity).fill(undefined);
    this.#hashes = new Int32Array(capacity);
    this.#mask = capacity - 1;
  }

  /** Entries held. */
  get size(): number {
    return this.#size;
  }

  /** The hash this table gives `key`. */
  hash(key: string): number {
    // FNV-1a over UTF-16 code units, seeded; then a final mix so low bits depend on every unit.
    let h = this.#seed ^ 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    return h ^ (h >>> 13);
  }

  /** The key's value; `hash` as for {@link SpanIdIndex.deleteIf}. */
  get(key: string, hash: number = this.hash(key)): V | undefined {
    const slot = this.#slotOf(key, hash);
    return slot < 0 ? undefined : this.#values[slot];
  }

  /** Adds the key, or replaces its value. Returns the key's hash. */
  set(key: string, value: V): number {
    const h = this.hash(key);
    const keys = this.#keys;
    const hashes = this.#hashes;
    const mask = this.#mask;
    let i = h & mask;
    for (;;) {
      const held = keys[i];
      if (held === undefined) break;
      if (hashes[i] === h && held === key) {
        this.#values[i] = value;
        return h;
      }
      i = (i + 1) & mask;
    }
    keys[i] = key;
    this.#values[i] = value;
    hashes[i] = h;
    this.#size++;
    if (this.#size * 2 > keys.length) this.#grow();
    return h;
  }

  /**
   * Removes the key if it holds `value` (a later entry under the same key stays). `hash` is what
   * {@link SpanIdIndex.set} returned for the key, if the caller kept it.
   */
  deleteIf(key: string, value: V, hash: number = this.hash(key)): void {
    const slot = this.#slotOf(key, hash);
    if (slot >= 0 && this.#values[slot] === value) this.#removeAt(slot);
  }

  /** Removes the key. */
  delete(key: string): void {
    const slot = this.#slotOf(key, this.hash(key));
    if (slot >= 0) this.#removeAt(slot);
  }

  #slotOf(key: string, h: number): number {
    const keys = this.#keys;
    const hashes = this.#hashes;
    const mask = this.#mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const held = keys[i];
      if (held === undefined) return -1;
      if (hashes[i] === h && held === key) return i;
    }
  }

  #removeAt(slot: number): void {
    const keys = this.#keys;
    const values = this.#values;
    const hashes = this.#hashes;
    const mask = this.#mask;
    let i = slot;
    this.#size--;
    // Backward shift: move later entries of the probe run into the hole, so no tombstones stay.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const moving = keys[j];
      if (moving === undefined) break;
      const home = hashes[j]! & mask;
      // The entry at j may fill the hole at i only if its home slot is not in (i, j].
      if (i <= j ? home > i && home <= j : home > i || home <= j) continue;
      keys[i] = moving;
      values[i] = values[j];
      hashes[i] = hashes[j]!;
      i = j;
    }
    keys[i] = undefined;
    values[i] = undefined;
  }

  #grow(): void {
    const oldKeys = this.#keys;
    const oldValues = this.#values;
    const oldHashes = this.#hashes;
    const capacity = oldKeys.length * 2;
    const keys = new Array<string | undefined>(capacity).fill(undefined);
    const values = new Array<V | undefined>(capacity).fill(undefined);
    const hashes = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      const key = oldKeys[j];
      if (key === undefined) continue;
      let i = oldHashes[j]! & mask;
      while (keys[i] !== undefined) i = (i + 1) & mask;
      keys[i] = key;
      values[i] = oldValues[j];
      hashes[i] = oldHashes[j]!;
    }
    this.#keys = keys;
    this.#values = values;
    this.#hashes = hashes;
    this.#mask = mask;
  }
}
