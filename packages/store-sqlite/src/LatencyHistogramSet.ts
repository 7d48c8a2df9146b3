import type { LatencyHistogram } from './runProfileTypes.js';

/** Buckets per power of two. */
const PER_OCTAVE = 4;
/** 1 µs · 2^(120/4) ≈ 18 minutes: longer durations share the last bucket. */
const BUCKETS = 120;

/** Lower bound of bucket `i`, ms (bucket 0 also holds everything under 1 µs). */
function lowerMs(i: number): number {
  return i === 0 ? 0 : 2 ** (i / PER_OCTAVE) / 1000;
}

/**
 * Latency histograms per name in fixed logarithmic buckets (four per power of two of
 * microseconds): constant memory per name, and at most `maxNames` names.
 */
export class LatencyHistogramSet {
  readonly #byName = new Map<string, Float64Array>();
  readonly #maxNames: number;

  constructor(maxNames: number) {
    this.#maxNames = maxNames;
  }

  add(name: string, durationMs: number): void {
    let counts = this.#byName.get(name);
    if (counts === undefined) {
      if (this.#byName.size >= this.#maxNames) return;
      counts = new Float64Array(BUCKETS);
      this.#byName.set(name, counts);
    }
    const micros = durationMs * 1000;
    const index = micros <= 1 ? 0 : Math.floor(Math.log2(micros) * PER_OCTAVE);
    counts[Math.min(Math.max(index, 0), BUCKETS - 1)]!++;
  }

  /** The histogram of `name`, trimmed to the buckets from its first to its last non-empty one. */
  get(name: string): LatencyHistogram | undefined {
    const counts = this.#byName.get(name);
    if (counts === undefined) return undefined;
    let first = counts.findIndex((c) => c > 0);
    if (first < 0) first = 0;
    let last = BUCKETS - 1;
    while (last > first && counts[last] === 0) last--;
    const lower: number[] = [];
    const kept: number[] = [];
    for (let i = first; i <= last; i++) {
      lower.push(lowerMs(i));
      kept.push(counts[i]!);
    }
    return { name, lowerMs: lower, upperMs: lowerMs(last + 1), counts: kept };
  }
}
