// Sums of a stack frame kept per local root name, so that a whole-run view (flame graph, folded
// stacks) can scale them by the call estimates' factor of that root name once its pass is over.

/**
 * Σ weight, Σ weight × duration and Σ weight × self time of the spans of one frame, split by the
 * name of each span's local root (`undefined` when it was not found). Most frames see one root
 * name; the others are kept aside. {@link RootScaledSums.scaled} multiplies each part by its root
 * name's factor (`rootEstimates` in callEstimates.ts: exact calls ÷ Σ stored root weight), which is how
 * `analyze()` and `summary()` scale the same spans, so every view gives one estimate per name.
 */
export class RootScaledSums {
  /** The root name of the first span added; `null` before any. */
  #root: string | undefined | null = null;
  #weight = 0;
  #totalMs = 0;
  #selfMs = 0;
  /** Sums of spans under other root names. */
  #others: Map<string | undefined, [number, number, number]> | undefined;

  add(root: string | undefined, weight: number, totalMs: number, selfMs: number): void {
    if (this.#root === null) this.#root = root;
    if (root === this.#root) {
      this.#weight += weight;
      this.#totalMs += totalMs;
      this.#selfMs += selfMs;
      return;
    }
    this.#others ??= new Map();
    const sums = this.#others.get(root);
    if (sums === undefined) this.#others.set(root, [weight, totalMs, selfMs]);
    else {
      sums[0] += weight;
      sums[1] += totalMs;
      sums[2] += selfMs;
    }
  }

  /**
   * `[calls, totalMs, selfMs]`: each root name's part times its factor (1 for a root name without
   * one, and for spans whose root was not found).
   */
  scaled(factors: ReadonlyMap<string, number>): [number, number, number] {
    const factorOf = (root: string | undefined | null) =>
      typeof root === 'string' ? (factors.get(root) ?? 1) : 1;
    const own = factorOf(this.#root);
    const result: [number, number, number] = [
      this.#weight * own,
      this.#totalMs * own,
      this.#selfMs * own,
    ];
    for (const [root, [weight, totalMs, selfMs]] of this.#others ?? []) {
      const factor = factorOf(root);
      result[0] += weight * factor;
      result[1] += totalMs * factor;
      result[2] += selfMs * factor;
    }
    return result;
  }
}
