// The binary min-heap by end time that the start-order passes (selfTimeWalk.ts, localRoots.ts)
// use to retire spans once the stream has passed their end.

/** A binary min-heap of items ordered by their `end` (epoch ms). */
export class EndHeap<T extends { readonly end: number }> {
  readonly #items: T[] = [];

  /** How many items it holds. */
  get size(): number {
    return this.#items.length;
  }

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.end <= item.end) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }

  /** The item that ends first, left in place. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Removes and returns the item that ends first. */
  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && items[right]!.end < items[left]!.end ? right : left;
      if (items[child]!.end >= last.end) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }
}
