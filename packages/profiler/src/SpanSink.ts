import type { CountRecord, SpanRecord } from './SpanRecord.js';

/**
 * What a sink reports about the spans handed to it, so that the profiler's figures add up end to
 * end: every span handed over (`ProfilerStats.exportedSpans`) is eventually stored, lost, or still
 * on its way (`exportedSpans - storedSpans - lostSpans`). Counters since the sink was built.
 */
export interface SinkStats {
  /**
   * Span records the sink confirmed stored: the destination acknowledged them (the file system
   * took the bytes, the database committed the transaction), not merely accepted into a buffer.
   */
  storedSpans: number;
  /**
   * Span records accepted by `write()` (it returned or resolved) and lost afterwards: a full
   * buffer, a failed destination, a rejected transaction, a write after `close()`.
   */
  lostSpans: number;
}

/**
 * Where the profiler's background flusher hands finished spans. Called off the caller's path,
 * one batch at a time (a batch is not reused after the call). A sink may be synchronous or return
 * a promise; a throw or rejection (reading a member included: a getter or a proxy trap that
 * throws) is caught by the profiler, counted and reported through `onError`, never surfaced to
 * application code.
 */
export interface SpanSink {
  /** Persists one batch of spans. Not called by the profiler when the sink has `countSpans`. */
  write(spans: readonly SpanRecord[]): void | Promise<void>;
  /**
   * For a sink that never reads span records (it discards them, or only counts them). When
   * present, the profiler's flusher calls it with the number of spans in each batch in place of
   * `write()`, and builds no {@link SpanRecord}s at all: no hex ids, no attribute copies, no
   * record objects. Its failures are handled as `write()`'s are (the batch's spans are counted
   * in `droppedBySink`). Optional; `write()` stays required, because other callers (`TeeSink`,
   * code that forwards records) still hand the sink records.
   */
  countSpans?(count: number): void | Promise<void>;
  /** Persists per-name call counts (exact, including dropped calls). Optional. */
  writeCounts?(counts: readonly CountRecord[]): void | Promise<void>;
  /** Makes everything written so far durable. Optional. */
  flush?(): void | Promise<void>;
  /** Flushes and releases resources. Called once by `Profiler.close()`. Optional. */
  close?(): void | Promise<void>;
  /**
   * Writes out everything buffered, synchronously. Called at `process.on('exit')`, after the
   * profiler handed its last batches to `write()`, when no asynchronous work can run any more.
   * Optional; without it, data a sink buffers asynchronously at exit may be lost.
   */
  flushSync?(): void;
  /**
   * The sink's counters: a snapshot object. When it has the {@link SinkStats} figures (what
   * became of the spans handed to `write()`: `storedSpans` and `lostSpans`, both numbers),
   * `Profiler.stats()` shows them; a sink whose snapshot has other figures only is shown as not
   * reporting (`undefined`). Called on every `Profiler.stats()`, so it must be cheap and
   * synchronous. Optional.
   */
  stats?(): SinkStats | object;
}

/**
 * The {@link SinkStats} figures of `sink.stats()`, or undefined when the sink has no `stats()` or
 * its snapshot lacks them. Throws what `stats()` throws (callers report or swallow it).
 * @internal
 */
export function readSinkStats(sink: SpanSink): SinkStats | undefined {
  const stats = sink.stats;
  if (typeof stats !== 'function') return undefined;
  const result: unknown = stats.call(sink);
  if (result === null || typeof result !== 'object') return undefined;
  const { storedSpans, lostSpans } = result as Partial<SinkStats>;
  if (typeof storedSpans !== 'number' || typeof lostSpans !== 'number') return undefined;
  return { storedSpans, lostSpans };
}
