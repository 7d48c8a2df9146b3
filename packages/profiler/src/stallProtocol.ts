/**
 * What the stall watchdog's two sides share: the slots of the shared `Int32Array` and the shape
 * of the messages the watcher thread posts back.
 * @internal
 */

/** Main-thread milliseconds since the watchdog's base, wrapped to 32 bits: the heartbeat. */
export const BEAT = 0;
/** Sequence number of the span published as current (0: none). */
export const CURRENT = 1;
/** Set to 1 to stop the watcher. */
export const STOP = 2;
/** Set to 1 by the watcher once it watches. */
export const WATCHING = 3;
/** Number of `Int32` slots. */
export const SLOTS = 4;

/** `workerData` of the watcher thread. */
export interface StallWorkerData {
  state: SharedArrayBuffer;
  thresholdMs: number;
  heartbeatMs: number;
  /** Epoch milliseconds of the main thread's heartbeat zero. */
  baseEpochMs: number;
  /** Ask the inspector for the main thread's stack at a stall. */
  captureStacks: boolean;
  /** Most frames kept in a stack. */
  maxStackFrames: number;
  /** Longest wait for a stack before the stall is reported without one, ms. */
  stackTimeoutMs: number;
  /** Test hook: a stack capture never finishes on its own (only a flush's bound ends the wait). */
  holdStacks?: boolean;
}

/**
 * Main thread → watcher, sent by `close()` after storing a fresh heartbeat: report every stall
 * now (one that just ended included), waiting at most `waitMs` for a stack being captured (past
 * that the stall goes without one), then answer {@link FlushedMessage} with the same `flush`.
 */
export interface FlushRequest {
  flush: number;
  waitMs: number;
}

/** Watcher → main thread: every stall up to the {@link FlushRequest} `flush` has been posted. */
export interface FlushedMessage {
  flushed: number;
}

/** One stall, posted once the loop runs again. */
export interface StallMessage {
  /** Epoch milliseconds when the heartbeat was due. */
  startEpochMs: number;
  /** How late the heartbeat came, ms: the time the loop was blocked. */
  blockedMs: number;
  /** {@link CURRENT} when the stall was detected. */
  spanSeq: number;
  /** Frames of the main thread's stack, innermost first (`fn (url:line:column)`). */
  stack?: string[];
}
