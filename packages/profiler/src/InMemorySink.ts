import { assertKnownOptions, assertOptionsObject, optionKeys } from '@ferret/internal';
import type { CountRecord, SpanRecord } from './SpanRecord.js';
import type { SinkStats, SpanSink } from './SpanSink.js';

/** Options of {@link InMemorySink}. */
export interface InMemorySinkOptions {
  /** Most span records kept; later ones are dropped and counted in `lostSpans`. Default 100,000. */
  maxSpans?: number;
}

/** Every key of {@link InMemorySinkOptions}: any other key is refused (a misspelt option). */
const IN_MEMORY_SINK_OPTION_KEYS = optionKeys<InMemorySinkOptions>({
  maxSpans: true,
});

/** What {@link InMemorySink.stats} returns: counters since construction (or `clear()`). */
export interface InMemorySinkStats extends SinkStats {
  /** Span records kept in `spans`. */
  storedSpans: number;
  /** Span records refused because `maxSpans` were kept. */
  lostSpans: number;
  /** Calls of `write()` (batches). */
  batches: number;
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
  readonly #maxSpans: number;
  #storedSpans = 0;
  #lostSpans = 0;
  #batches = 0;
  #closed = false;

  constructor(options: InMemorySinkOptions = {}) {
    assertOptionsObject('options', options);
    assertKnownOptions('InMemorySink', options, IN_MEMORY_SINK_OPTION_KEYS);
    const maxSpans = options.maxSpans ?? 100_000;
    if (!Number.isSafeInteger(maxSpans) || maxSpans < 1) {
      throw new RangeError(
        `Expected \`maxSpans\` to be a whole number >= 1, got ${String(maxSpans)}`,
      );
    }
    this.#maxSpans = maxSpans;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  write(spans: readonly SpanRecord[]): void {
    this.#batches++;
    for (const span of spans) {
      if (this.spans.length >= this.#maxSpans) {
        this.#lostSpans++;
      } else {
        this.spans.push(span);
        this.#storedSpans++;
      }
    }
  }

  writeCounts(counts: readonly CountRecord[]): void {
    this.counts.push(...counts);
  }

  close(): void {
    this.#closed = true;
  }

  /** Counters since construction (or `clear()`): a snapshot, safe to keep. */
  stats(): InMemorySinkStats {
    return { storedSpans: this.#storedSpans, lostSpans: this.#lostSpans, batches: this.#batches };
  }

  /** Forgets every record and counter. */
  clear(): void {
    this.spans.length = 0;
    this.counts.length = 0;
    this.#storedSpans = 0;
    this.#lostSpans = 0;
    this.#batches = 0;
  }

  /** `InMemorySink{spans=..., counts=..., maxSpans=...}`. */
  toString(): string {
    return `InMemorySink{spans=${this.spans.length}, counts=${this.counts.length}, maxSpans=${this.#maxSpans}}`;
  }
}
