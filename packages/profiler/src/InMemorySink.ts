import type { CountRecord, SpanRecord } from './SpanRecord.js';
import type { SpanSink } from './SpanSink.js';

/** Options of {@link InMemorySink}. */
export interface InMemorySinkOptions {
  /** Most span records kept; later ones are dropped and counted in `droppedSpans`. Default 100,000. */
  maxSpans?: number;
}

/**
 * Keeps every record in arrays: for tests and for code that inspects spans in-process.
 * Bounded by `maxSpans`.
 */
export class InMemorySink implements SpanSink {
  /** Span records in arrival order. */
  readonly spans: SpanRecord[] = [];
  /** Count records in arrival order. */
  readonly counts: CountRecord[] = [];
  /** Records refused because `maxSpans` were kept. */
  droppedSpans = 0;
  /** Calls of `write()` (batches). */
  batches = 0;
  /** True once `close()` was called. */
  closed = false;
  readonly #maxSpans: number;

  constructor(options: InMemorySinkOptions = {}) {
    const maxSpans = options.maxSpans ?? 100_000;
    if (!Number.isSafeInteger(maxSpans) || maxSpans < 1) {
      throw new RangeError(
        `Expected \`maxSpans\` to be a whole number >= 1, got ${String(maxSpans)}`,
      );
    }
    this.#maxSpans = maxSpans;
  }

  write(spans: readonly SpanRecord[]): void {
    this.batches++;
    for (const span of spans) {
      if (this.spans.length >= this.#maxSpans) this.droppedSpans++;
      else this.spans.push(span);
    }
  }

  writeCounts(counts: readonly CountRecord[]): void {
    this.counts.push(...counts);
  }

  close(): void {
    this.closed = true;
  }

  /** Forgets every record and counter. */
  clear(): void {
    this.spans.length = 0;
    this.counts.length = 0;
    this.droppedSpans = 0;
    this.batches = 0;
  }

  /** `InMemorySink{spans=..., counts=..., maxSpans=...}`. */
  toString(): string {
    return `InMemorySink{spans=${this.spans.length}, counts=${this.counts.length}, maxSpans=${this.#maxSpans}}`;
  }
}
