// The public types of the reader: what `openSpanReader` returns and what its queries yield.
import type { SpanRecord } from '@ferret/profiler';
import type { AnalyzeOptions, RunAnalysis, StackTree, StackTreeOptions } from './analysisTypes.js';
import type { RunMetadata } from './runMetadata.js';
import type { RecentActivity, RunProfile, RunProfileLimits } from './runProfileTypes.js';
import type { StallSummary } from './stallSummary.js';

/** One run (one process execution) found in a database. */
export interface RunInfo {
  runId: string;
  /** Epoch ms of the earliest span start (of the earliest count interval when no span was kept). */
  firstStartTime: number;
  /** Epoch ms of the latest span end (start + duration). */
  lastEndTime: number;
  /** Stored spans, of every name, roots and children. */
  spanCount: number;
  /**
   * Root calls (calls that started a trace): the sum of the count records' `calls` when the run
   * has count records (exact: sampled or not), else an estimate from the stored root spans (see
   * {@link RunInfo.callsExact}).
   */
  rootCalls: number;
  /** An alias of {@link RunInfo.rootCalls}: the same number. */
  calls: number;
  /**
   * True when `rootCalls` comes from count records. False for a run without them (OpenTelemetry
   * exports, a run whose count records were all lost): `rootCalls` is then Σ weight of the
   * stored root spans, rounded, i.e. the stored roots scaled up by their sampling weights.
   */
  callsExact: boolean;
  /**
   * Traces the count records say were recorded (kept by sampling) whose root span is not in the
   * file: lost after sampling (the profiler's queue was full, the sink's writes failed, a
   * process was killed before its spans were written). 0 when none is missing or the run has no
   * count records. Estimates of child spans scale the stored traces up to stand for them.
   */
  missingTraces: number;
  /**
   * Traces the count records say were recorded (kept by sampling): their `recorded` summed; 0
   * without count records. The stored ones are `recordedTraces - missingTraces`.
   */
  recordedTraces: number;
  /** `service.name` of the run's first OpenTelemetry span, when there is one. */
  serviceName?: string;
  /**
   * What `ferret run` (or its preload) recorded: command, start/end, exit status, processes and
   * whether the run closed cleanly. Absent for runs written without it.
   */
  metadata?: RunMetadata;
}

/**
 * Per-name statistics of one run, from {@link SpanReader.summary}. `recorded` and every timing
 * come from the stored spans; `calls` also counts calls that were not stored.
 */
export interface NameSummary {
  name: string;
  /**
   * Calls of the name in the run, sampled or not. For a root name with count records this is
   * their `calls` summed: exact. Spans the profiler does not count (children such as `db.query`,
   * OpenTelemetry spans) are estimated as Σ weight of the stored spans, rounded: every stored
   * span stands for `weight` calls, because its trace's root was kept with that weight; where the
   * root's name has count records, the weight is scaled by that name's exact calls ÷ Σ weight of
   * its stored roots (weights lag a change of traffic; the counts do not). A name
   * that is a root in some traces and a child in others adds both parts. See `callsExact`.
   */
  calls: number;
  /**
   * Whether `calls` is an exact count. True when the name's calls come only from count records,
   * or when the estimated part is provably complete: the run has count records, they report no
   * dropped root call, every root they say was recorded is stored (none lost in a queue), no
   * root reports truncated children, and every stored span of the name has weight 1.
   * False as well when the stored roots outnumber what the count records say was recorded (some
   * count records were lost): `calls` is then at least the estimate from the stored roots.
   */
  callsExact: boolean;
  /** Stored (sampled) spans. */
  recorded: number;
  /** `calls - recorded`: calls that were not stored (not sampled, or lost before storage). */
  dropped: number;
  totalMs: number;
  avgMs: number;
  minMs: number;
  /** Percentiles from an HdrHistogram: 3 significant digits on microsecond values. */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Stored spans with status `'error'`. */
  errors: number;
  /** `errors / recorded`, 0..1 (0 when nothing was recorded). */
  errorRate: number;
  /** Sum of duration × weight: the total time extrapolated over all calls. */
  estimatedTotalMs: number;
}

/** A span and its recorded descendants; `children` sorted by start time. */
export interface SpanNode {
  span: SpanRecord;
  children: SpanNode[];
}

/** A whole trace, from its root. */
export interface TraceTree {
  traceId: string;
  root: SpanNode;
  /** Spans in the tree (the root and its recorded descendants). */
  spanCount: number;
  /** The root's duration. */
  durationMs: number;
}

/** Read-only, streaming access to a Ferret database. Every method but `close()` may throw {@link FerretStoreError}. */
export interface SpanReader {
  /** The database path. */
  readonly path: string;
  /** Every run, ordered by first start time ascending. */
  runs(): RunInfo[];
  /** The run that started last; undefined for an empty database. */
  latestRunId(): string | undefined;
  /**
   * Per-name statistics, sorted by `totalMs` descending. Streams the run's rows: memory grows
   * with distinct names, not rows. Run defaults to the latest; unknown runId → `UNKNOWN_RUN`;
   * empty database → `NO_RUNS`.
   */
  summary(options?: { runId?: string }): NameSummary[];
  /**
   * The `limit` (default 5) slowest root spans with their whole trees, slowest first; with
   * `name`, only roots whose name matches that glob (SQLite `GLOB`).
   */
  slowestTraces(options?: { runId?: string; limit?: number; name?: string }): TraceTree[];
  /**
   * Event-loop stalls (the stall watchdog's `ferret.stall` spans) per stalled span name: count,
   * longest and total blocked time, most blocked time first, at most 100 names.
   */
  stalls(options?: { runId?: string }): StallSummary[];
  /**
   * The run id that `spec` names: an exact id, `latest`, `previous`, or a unique prefix.
   * Ambiguous prefix → `AMBIGUOUS_RUN` (the message lists candidates); nothing → `UNKNOWN_RUN`.
   */
  resolveRunId(spec: string): string;
  /**
   * Per-name (or, with `by`, per name and attribute value) statistics with self time, in one
   * streaming pass in start order: memory grows with rows and spans in flight, not with spans.
   */
  analyze(options?: AnalyzeOptions): RunAnalysis;
  /**
   * The whole run merged by call path into one tree weighted by sampling weight (flame graphs).
   * One streaming pass; memory grows with distinct stacks, bounded by `maxStacks`.
   */
  stackTree(options?: StackTreeOptions): StackTree;
  /**
   * Spans ordered by start time. Run defaults to the latest, except that a `traceId` without a
   * `runId` is looked up in every run. Lazy: rows are read as the iterator advances.
   */
  spans(options?: { runId?: string; traceId?: string }): IterableIterator<SpanRecord>;
  /**
   * Everything a whole-run report needs, from one pass over the run's spans: the same rows as
   * `summary()`, the stack tree (spans merged by their path of names, weighted by sampling
   * weight, with self time), a timeline of calls vs recorded vs dropped (count records) and
   * stored spans, latency histograms per name, and the slowest traces flattened as waterfalls.
   * Memory and result size are bounded by `limits` (defaults: `DEFAULT_PROFILE_LIMITS`), never
   * by the number of spans. Run defaults to the latest.
   */
  profile(options?: { runId?: string; limits?: Partial<RunProfileLimits> }): RunProfile;
  /**
   * A run's activity over `[windowEnd - windowMs, windowEnd)` (defaults: 10 s ending now), for a
   * live view: per second, calls/recorded/dropped from the count records and the spans stored;
   * per name, calls and p95. Reads only that window (spans through the start-time index, count
   * records newest first) and at most 200,000 spans. Run defaults to the latest, as new runs
   * start.
   */
  recent(options?: { runId?: string; windowMs?: number; windowEnd?: number }): RecentActivity;
  /** Closes the connection. Idempotent. */
  close(): void;
}
