import type { StallWatchdogState } from './StallWatchdog.js';

/** Exact counts of one root span name (cumulative while the name stays in the table). */
export interface NameStats {
  name: string;
  calls: number;
  recorded: number;
  dropped: number;
}

/** What `Profiler.stats()` returns: counters since construction. */
export interface ProfilerStats {
  /** False when disabled or closed. */
  enabled: boolean;
  maxSpansPerSecond: number;
  burst: number;
  /** Root calls (`measure()`/`start()` outside any span), recorded or not. */
  calls: number;
  /** Root calls that were recorded. */
  recordedRoots: number;
  /** Root calls not recorded because of the budget: `calls - recordedRoots`. */
  droppedBySampling: number;
  /** Spans recorded, roots and children. */
  recordedSpans: number;
  /** Descendants not recorded because their trace reached `maxSpansPerTrace`. */
  truncatedSpans: number;
  /** Finished spans waiting for the sink. */
  queued: number;
  /** Spans handed to the sink (its `write()` returned or resolved). */
  exportedSpans: number;
  /**
   * Of the exported spans, those the sink confirmed stored (`sink.stats().storedSpans`);
   * `undefined` when the sink reports no figures. `exportedSpans - storedSpans - lostSpans` are
   * still on their way. A `TeeSink` counts copies (one per branch): there `n × exportedSpans`
   * are stored, lost or on their way.
   */
  storedSpans: number | undefined;
  /** Of the exported spans, those the sink lost after the hand-off (`sink.stats().lostSpans`); `undefined` likewise. */
  lostSpans: number | undefined;
  /** Spans dropped because the queue was full. */
  droppedByQueue: number;
  /** Spans in sink calls that threw, rejected or timed out (or left when close() gave up). */
  droppedBySink: number;
  /** Spans that ended after `close()`. */
  droppedAfterClose: number;
  /** Count records lost in failed `writeCounts()` calls. */
  droppedCountRecords: number;
  /** Attribute values dropped (wrong type, or more than `maxAttributes` on a span). */
  droppedAttributes: number;
  /** Span names cut to `maxNameLength` in records. */
  truncatedNames: number;
  /** Attribute keys and values cut to `maxAttributeKeyLength` / `maxAttributeValueLength`. */
  truncatedAttributes: number;
  /** Sink calls that threw or rejected. */
  sinkErrors: number;
  /** Sink calls given up on after `sinkTimeoutMs`. */
  sinkTimeouts: number;
  /** Reports made through `onError`. */
  internalErrors: number;
  /**
   * The stall watchdog (`stallThresholdMs`): `off` without one; `starting` while its thread boots
   * (stalls before it watches go unseen); `watching`; `failed` (reported through `onError`);
   * `stopped` after `close()`.
   */
  stallWatchdog: 'off' | StallWatchdogState;
  /** Event-loop stalls the watchdog reported (`stallThresholdMs`); 0 without a watchdog. */
  stalls: number;
  /** Of those, stalls not recorded as `ferret.stall` spans because of their own rate limit. */
  stallsNotRecorded: number;
  /** Root calls counted under `(other)` because the name table was full. */
  overflowCalls: number;
  /** Root names active in the current fairness window. */
  activeNames: number;
  /** Per root name, for the names in the table now. */
  names: NameStats[];
}
