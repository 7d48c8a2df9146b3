/** What went wrong inside the profiler (never the application's own errors). */
export type ProfilerErrorCode =
  | 'SINK_WRITE' // sink.write threw or rejected: the batch was dropped
  | 'SINK_COUNTS' // sink.writeCounts threw or rejected: the count records were dropped
  | 'SINK_TIMEOUT' // a sink call did not settle within `sinkTimeoutMs`
  | 'SINK_FLUSH' // sink.flush or sink.flushSync threw or rejected
  | 'SINK_STATS' // sink.stats threw: stats() shows no sink figures
  | 'SINK_CLOSE' // sink.close threw, rejected or timed out
  | 'QUEUE_FULL' // spans were dropped because the queue held `maxQueueSize` spans
  | 'NAME_FUNCTION' // a dynamic span name function threw; a fallback name was used
  | 'STALL_WATCHDOG' // the stall watchdog could not start or its thread failed: no stall spans
  | 'FLUSH_TIMEOUT' // flush() stopped waiting for the sink; what is queued stays queued
  | 'CLOSE_TIMEOUT' // close() gave up waiting for the queue to drain
  | 'TRUNCATED'; // a span name, attribute key or value was cut to its limit (reported once)

/**
 * An internal failure, handed to the `onError` option (by default printed once per code with
 * `process.emitWarning`). The original error, if any, is in `cause`.
 */
export class ProfilerError extends Error {
  override readonly name = 'ProfilerError';
  readonly code: ProfilerErrorCode;

  constructor(code: ProfilerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
