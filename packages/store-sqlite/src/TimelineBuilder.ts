import type { RunTimeline, TimelineBucket } from './runProfileTypes.js';

/**
 * Per-bucket counts over a fixed time range: the count records' calls/recorded/dropped, shared
 * among the buckets an interval overlaps, and the stored spans by start time. A range longer than
 * `maxBuckets` seconds gets buckets of a whole number of seconds, so memory is bounded.
 */
export class TimelineBuilder {
  readonly bucketMs: number;
  readonly #start: number;
  readonly #buckets: TimelineBucket[];
  #hasCounts = false;

  /** @param startTime - Epoch ms; @param endTime - epoch ms, ≥ startTime. */
  constructor(startTime: number, endTime: number, maxBuckets: number) {
    const start = Math.floor(startTime / 1000) * 1000;
    const span = Math.max(endTime - start, 1);
    this.bucketMs = Math.max(1, Math.ceil(span / 1000 / maxBuckets)) * 1000;
    this.#start = start;
    const count = Math.max(1, Math.ceil(span / this.bucketMs));
    this.#buckets = Array.from({ length: count }, (_, i) => ({
      startTime: start + i * this.bucketMs,
      calls: 0,
      recorded: 0,
      dropped: 0,
      stored: 0,
    }));
  }

  #index(time: number): number {
    const i = Math.floor((time - this.#start) / this.bucketMs);
    return Math.min(Math.max(i, 0), this.#buckets.length - 1);
  }

  /** A stored span that started at `startTime` (epoch ms). */
  addSpan(startTime: number): void {
    this.#buckets[this.#index(startTime)]!.stored++;
  }

  /** One count record over `[intervalStart, intervalEnd]` (epoch ms). */
  addCounts(
    intervalStart: number,
    intervalEnd: number,
    calls: number,
    recorded: number,
    dropped: number,
  ): void {
    this.#hasCounts = true;
    const length = intervalEnd - intervalStart;
    const first = this.#index(intervalStart);
    const last = this.#index(intervalEnd);
    if (!(length > 0) || first === last) {
      const bucket = this.#buckets[this.#index(intervalStart + Math.max(length, 0) / 2)]!;
      bucket.calls += calls;
      bucket.recorded += recorded;
      bucket.dropped += dropped;
      return;
    }
    for (let i = first; i <= last; i++) {
      const bucket = this.#buckets[i]!;
      const from = Math.max(intervalStart, bucket.startTime);
      const to = Math.min(intervalEnd, bucket.startTime + this.bucketMs);
      const share = Math.max(to - from, 0) / length;
      bucket.calls += calls * share;
      bucket.recorded += recorded * share;
      bucket.dropped += dropped * share;
    }
  }

  build(): RunTimeline {
    return { bucketMs: this.bucketMs, hasCounts: this.#hasCounts, buckets: this.#buckets };
  }
}
