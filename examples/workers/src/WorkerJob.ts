/** What the main thread hands each worker (structured-cloned; the buffer is shared, not copied). */
export interface WorkerJob {
  /** `SharedTokenBucket.buffer` of the one budget every worker takes from. */
  budget: SharedArrayBuffer;
  dbPath: string;
  runId: string;
  /** How long to generate work once the main thread says go, in ms. */
  durationMs: number;
  /** Upper bound on root calls, whatever the duration. */
  maxCalls: number;
}

/**
 * Messages from a worker: `ready` once its profiler and store are built (the main thread then
 * posts `'go'` to every worker at once, so start-up time is not part of the measured window),
 * then one `report` when done.
 */
export type WorkerMessage = { type: 'ready' } | ({ type: 'report' } & WorkerReport);

/** What each worker reports back when done. */
export interface WorkerReport {
  threadId: number;
  /** Epoch ms (from the monotonic clock) when this worker started and stopped making calls. */
  startedAt: number;
  endedAt: number;
  /** Root calls made (`job`), recorded or not. */
  calls: number;
  /** Spans this worker's profiler recorded (roots and children). */
  recordedSpans: number;
  /** Root calls the budget turned away. */
  droppedCalls: number;
}
