/** What the main thread hands each worker (structured-cloned; the buffer is shared, not copied). */
export interface WorkerJob {
  /** `SharedTokenBucket.buffer` of the one budget every worker takes from. */
  budget: SharedArrayBuffer;
  dbPath: string;
  runId: string;
  /** How long to generate work, in ms. */
  durationMs: number;
  /** Upper bound on root calls, whatever the duration. */
  maxCalls: number;
}

/** What each worker reports back when done. */
export interface WorkerReport {
  threadId: number;
  /** Root calls made (`job`), recorded or not. */
  calls: number;
  /** Spans this worker's profiler recorded (roots and children). */
  recordedSpans: number;
  /** Root calls the budget turned away. */
  droppedCalls: number;
}
