import { SpanIdIndex } from './SpanIdIndex.js';

/**
 * A map that keeps its `limit` most recently added keys: adding a new key past the limit evicts
 * the oldest one (setting a key already held updates its value and keeps its age). Eviction
 * reads a ring of keys, O(1): a Map's own first key is O(deleted entries) to reach in V8, which
 * made a 1,000,000-span report take a minute. The keys live in a {@link SpanIdIndex}, not a Map,
 * so an evicted entry is garbage at once (see there).
 */
export class RecentMap<V> {
  readonly #map: SpanIdIndex<V>;
  readonly #ring: string[] = [];
  readonly #limit: number;
  #oldest = 0;

  /** @param limit - Keys kept, a whole number ≥ 1. */
  constructor(limit: number) {
    this.#limit = limit;
    this.#map = new SpanIdIndex(Math.min(limit, 65_536));
  }

  get(key: string): V | undefined {
    return this.#map.get(key);
  }

  set(key: string, value: V): void {
    const map = this.#map;
    const size = map.size;
    map.set(key, value);
    if (map.size === size) return; // a key it held: value updated, age kept
    const ring = this.#ring;
    if (ring.length < this.#limit) {
      ring.push(key);
      return;
    }
    map.delete(ring[this.#oldest]!);
    ring[this.#oldest] = key;
    this.#oldest = this.#oldest + 1 === this.#limit ? 0 : this.#oldest + 1;
  }
}
