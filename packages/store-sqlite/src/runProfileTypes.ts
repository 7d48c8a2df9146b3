import type { NameSummary, RunInfo } from './readerTypes.js';

/**
 * One frame of the whole-run stack tree: every stored span whose chain of ancestor names equals
 * this frame's path, merged. Times are scaled by the spans' sampling weights (a span of weight 5
 * stands for 5 calls), so widths compare like the calls the program made.
 */
export interface StackFrame {
  name: string;
  /** Σ weight of the merged spans: the calls they stand for (an estimate when weights exceed 1). */
  calls: number;
  /** Stored spans merged into this frame. */
  recorded: number;
  /** Σ duration × weight, ms. */
  totalMs: number;
  /**
   * Σ self time × weight, ms. A span's self time is its duration minus the union of its
   * children's intervals (overlapping children, such as `Promise.all`, are not counted twice).
   */
  selfMs: number;
  /** Stored spans with status `'error'`. */
  errors: number;
  /** Sorted by `totalMs` descending. */
  children: StackFrame[];
}

/** One time bucket of a run: what the budget did. */
export interface TimelineBucket {
  /** Epoch ms of the bucket's start. */
  startTime: number;
  /**
   * Root calls, recorded roots and dropped roots from the count records (exact). A count record
   * spanning several buckets is shared among them in proportion to the overlap.
   */
  calls: number;
  recorded: number;
  dropped: number;
  /** Stored spans (roots and children) that started in the bucket. */
  stored: number;
}

/** The run's activity over time, in equal buckets. */
export interface RunTimeline {
  /** Width of each bucket, ms: 1000, or a whole number of seconds for long runs. */
  bucketMs: number;
  /** Whether the run has count records (else only `stored` is known). */
  hasCounts: boolean;
  buckets: TimelineBucket[];
}

/**
 * Durations of one name's stored spans in logarithmic buckets (four per power of two of
 * microseconds). Bucket `i` holds durations in `[lowerMs[i], lowerMs[i + 1])`; the last bucket's
 * upper bound is `upperMs`.
 */
export interface LatencyHistogram {
  name: string;
  lowerMs: number[];
  upperMs: number;
  /** Stored spans per bucket (not weighted). */
  counts: number[];
}

/** One span of a waterfall, in depth-first order (parents before children). */
export interface WaterfallSpan {
  name: string;
  /** Start relative to the trace root's start, ms. */
  offsetMs: number;
  durationMs: number;
  /** 0 for the root. */
  depth: number;
  status: 'ok' | 'error';
}

/** A slow trace, flattened for drawing as a waterfall. */
export interface WaterfallTrace {
  traceId: string;
  /** Epoch ms of the root's start. */
  startTime: number;
  durationMs: number;
  /** Spans in the trace as stored. */
  spanCount: number;
  /** The first spans in depth-first order, at most {@link RunProfileLimits.waterfallSpans}. */
  spans: WaterfallSpan[];
}

/** Bounds on what {@link RunProfile} keeps, whatever the run's size. */
export interface RunProfileLimits {
  /** Frames in the stack tree; further distinct paths are merged into an `(other)` frame. */
  stackFrames: number;
  /** Depth of the stack tree; deeper spans are merged into the frame at this depth. */
  stackDepth: number;
  /** Spans waiting for their parent while the run is read; past it the oldest are detached. */
  pendingSpans: number;
  /**
   * Spans (and traces) remembered after they were merged, so that a child ending after its parent
   * still joins the parent's stack; older ones are forgotten (their late children are detached).
   * Spans are stored as they end, so children usually come first and only each trace's top span
   * is remembered: the default, 10,000, is the last 10,000 traces.
   */
  recentSpans: number;
  /** Names with a latency histogram (the first seen). */
  histogramNames: number;
  /** Time buckets of the timeline (longer runs get wider buckets). */
  timelineBuckets: number;
  /** Slowest traces kept. */
  slowestTraces: number;
  /** Spans kept per slow trace. */
  waterfallSpans: number;
}

/** What {@link RunProfile} had to leave out to stay bounded (all 0 for most runs). */
export interface RunProfileOmissions {
  /** Spans merged into `(other)` frames because the tree reached `stackFrames`. */
  spansInOtherFrames: number;
  /**
   * Spans whose parent was not stored (or was forgotten, or they waited for it too long): they
   * start their own stack at the top level. A child that ends after its parent joins the
   * parent's stack, but does not reduce the parent's self time.
   */
  detachedSpans: number;
  /** Names without a latency histogram. */
  namesWithoutHistogram: number;
}

/** Everything a whole-run report needs, from one pass over the run. See `SpanReader.profile()`. */
export interface RunProfile {
  run: RunInfo;
  /** The same rows as `SpanReader.summary()`. */
  summary: NameSummary[];
  /** A synthetic root frame named after the run, whose children are the root span names. */
  stacks: StackFrame;
  timeline: RunTimeline;
  /** One per name (up to `histogramNames`), in the order of `summary`. */
  latency: LatencyHistogram[];
  /** Slowest root spans first. */
  slowestTraces: WaterfallTrace[];
  limits: RunProfileLimits;
  omitted: RunProfileOmissions;
}

/** Activity of a run over a recent window, from `SpanReader.recent()`. */
export interface RecentActivity {
  runId: string;
  /** Epoch ms: the window is `[windowEnd - windowMs, windowEnd)`. */
  windowEnd: number;
  windowMs: number;
  /** One per second of the window, oldest first. */
  seconds: TimelineBucket[];
  /** Names active in the window, most calls first. */
  names: RecentName[];
  /** Whether the run has count records in the window (else calls are estimated from weights). */
  hasCounts: boolean;
  /** True when the window held more spans than the reader reads per call (statistics are over the newest). */
  truncated: boolean;
}

/** One name's activity over a recent window. */
export interface RecentName {
  name: string;
  /** From the count records for root names (exact), else Σ weight of the stored spans. */
  calls: number;
  callsExact: boolean;
  /** Stored spans that started in the window. */
  recorded: number;
  /** Over the stored spans in the window; 0 when none. */
  p95Ms: number;
  errors: number;
}
