import type { CountRecord, SpanRecord } from './SpanRecord.js';

/**
 * Where the profiler's background flusher hands finished spans. Called off the caller's path,
 * one batch at a time (a batch is not reused after the call). A sink may be synchronous or return
 * a promise; a throw or rejection is caught by the profiler, counted and reported through
 * `onError`, never surfaced to application code.
 */
export interface SpanSink {
  /** Persists one batch of spans. */
  write(spans: readonly SpanRecord[]): void | Promise<void>;
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
}
