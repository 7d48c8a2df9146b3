import * as hdr from 'hdr-histogram-js';

/**
 * Percentile precision: durations are recorded in whole microseconds into an HdrHistogram with 3
 * significant digits, so p50/p95/p99 are within 0.1% of the true value (and never off by more
 * than 0.5 µs plus that). Count, total, min, max and averages are exact (computed from the stored
 * doubles, not the histogram).
 */
export const PERCENTILE_SIGNIFICANT_DIGITS = 3;

/** Names that get fast 32-bit histograms before the reader switches to packed ones. */
export const UNPACKED_NAMES = 256;

/**
 * Running statistics for one span name while the reader streams rows: constant memory per name
 * (a packed histogram grows with the number of distinct buckets hit, not with rows).
 */
export class NameAccumulator {
  recorded = 0;
  errors = 0;
  totalMs = 0;
  weightedMs = 0;
  /** Stored spans without a parent in the run (local roots). */
  rootSpans = 0;
  /** Σ weight of the stored root spans. */
  rootWeight = 0;
  /** Σ duration × weight of the stored root spans, ms. */
  rootWeightedMs = 0;
  /** Σ weight of the stored child spans. */
  childWeight = 0;
  /** Stored spans whose weight is above 1 (their trace stood for calls that were dropped). */
  weightedSpans = 0;
  minMs = Number.POSITIVE_INFINITY;
  maxMs = Number.NEGATIVE_INFINITY;
  readonly #histogram: hdr.Histogram;

  /**
   * @param packed - Use a packed histogram (memory grows with buckets hit; about 4× slower to
   *   record) instead of 32-bit counts (tens of KB per name). The reader packs every name past
   *   the first {@link UNPACKED_NAMES}, so memory stays moderate however many names a run has.
   */
  constructor(packed = false) {
    this.#histogram = hdr.build({
      bitBucketSize: packed ? 'packed' : 32,
      numberOfSignificantValueDigits: PERCENTILE_SIGNIFICANT_DIGITS,
      lowestDiscernibleValue: 1,
      highestTrackableValue: 2,
      autoResize: true,
      useWebAssembly: false,
    });
  }

  /**
   * @param weight - The span's sampling weight (≥ 1): the calls its trace stands for.
   * @param isRoot - Whether the span has no parent in the run.
   */
  add(durationMs: number, isError: boolean, weight: number, isRoot: boolean): void {
    this.recorded++;
    if (isError) this.errors++;
    this.totalMs += durationMs;
    this.weightedMs += durationMs * weight;
    if (isRoot) {
      this.rootSpans++;
      this.rootWeight += weight;
      this.rootWeightedMs += durationMs * weight;
    } else {
      this.childWeight += weight;
    }
    if (weight > 1) this.weightedSpans++;
    if (durationMs < this.minMs) this.minMs = durationMs;
    if (durationMs > this.maxMs) this.maxMs = durationMs;
    const micros = Math.round(durationMs * 1000);
    this.#histogram.recordValue(Math.max(micros, 0));
  }

  /**
   * The duration at `percentile` (0..100) in ms, clamped to [min, max] so bucket rounding never
   * reports a p99 above the slowest call. 0 when nothing was recorded.
   */
  percentileMs(percentile: number): number {
    if (this.recorded === 0) return 0;
    const ms = this.#histogram.getValueAtPercentile(percentile) / 1000;
    return Math.min(Math.max(ms, this.minMs), this.maxMs);
  }

  /** Frees the histogram's memory (a no-op for the JS implementation, kept for WebAssembly builds). */
  destroy(): void {
    this.#histogram.destroy();
  }
}
