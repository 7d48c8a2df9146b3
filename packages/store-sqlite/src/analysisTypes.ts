// The public types of the reader's analysis queries: `analyze()` and `stackTree()`.
import type { NameSummary } from './readerTypes.js';

/** Options of {@link SpanReader.analyze}. */
export interface AnalyzeOptions {
  /** Run id (exact; see `resolveRunId` for prefixes). Default: the latest run. */
  runId?: string;
  /**
   * An attribute key: one row per (name, attribute value) instead of one per name. Spans without
   * the attribute share their name's `(none)` row (`group: 'none'`).
   */
  by?: string;
  /** Only names matching this glob (SQLite `GLOB`: `*`, `?`, `[…]`, case-sensitive). */
  name?: string;
  /** With `by`: distinct values per name that get their own row; later ones share `(other)`. Default 20, 1..1000. */
  maxValuesPerName?: number;
  /** Recorded durations kept per row (uniform reservoir sample) in `sample`. Default 0, at most 100,000. */
  sampleSize?: number;
}

/** Which spans of a name an {@link AnalysisRow} holds, with `by`. */
export type AttributeGroup = 'value' | 'none' | 'other';

/**
 * One row of {@link SpanReader.analyze}: the {@link NameSummary} figures of its spans, plus self
 * time. With `by`, `calls` of every row is an estimate from the weights (count records are per
 * name, not per value) unless the run provably lost nothing.
 */
export interface AnalysisRow extends NameSummary {
  /** With `by`: `'value'` (spans with `value`), `'none'` (without the attribute), `'other'` (values past the limit). */
  group?: AttributeGroup;
  /** With `by` and `group: 'value'`: the attribute value, strings as they are, other values as JSON. */
  value?: string;
  /**
   * Σ self time of the recorded spans, ms: each span's duration minus the union of its stored
   * children's intervals (clipped to the span).
   */
  selfTotalMs: number;
  /** Median self time of the recorded spans, ms (0 when none was recorded). */
  selfP50Ms: number;
  /** With `sampleSize`: up to that many recorded durations (ms), a uniform sample of the row's spans. */
  sample?: number[];
}

/** What {@link SpanReader.analyze} returns. */
export interface RunAnalysis {
  runId: string;
  /** Sorted by recorded total time, descending. */
  rows: AnalysisRow[];
  /** With `by`: how many spans (of the names matched) have the attribute; 0 → no span has it. */
  spansWithAttribute?: number;
  /**
   * Traces the count records say were recorded (kept by sampling) whose root span is not in the
   * file: lost after sampling (the profiler's queue was full, the sink's writes failed, a
   * process was killed before its spans were written). 0 when none is missing or the run has no
   * count records. The estimates scale the stored traces up to stand for them.
   */
  missingTraces: number;
  /**
   * Traces the count records say were recorded (kept by sampling): their `recorded` summed; 0
   * without count records. The stored ones are `recordedTraces - missingTraces`.
   */
  recordedTraces: number;
}

/** One frame of a {@link StackTree}: a span name at one call path. */
export interface StackNode {
  name: string;
  /** Σ sampling weight of the spans at this path: the calls they stand for. */
  calls: number;
  /** Stored spans at this path. */
  recorded: number;
  /** Σ duration × weight, ms. */
  totalMs: number;
  /** Σ self time × weight, ms (duration minus the union of the stored children). */
  selfMs: number;
  /** Heaviest (totalMs) first. */
  children: StackNode[];
}

/** Options of {@link SpanReader.stackTree}. */
export interface StackTreeOptions {
  /** Run id (exact). Default: the latest run. */
  runId?: string;
  /** Distinct stacks kept; later new stacks are folded into an `(other)` frame under their parent. Default 50,000. */
  maxStacks?: number;
}

/** The whole run as one weighted call tree: what a flame graph of the run draws. */
export interface StackTree {
  runId: string;
  /** Top-level frames (root spans, and spans whose parent is not stored). */
  roots: StackNode[];
  /** Distinct stacks (nodes) in the tree. */
  stacks: number;
  /** Spans whose stack went to an `(other)` frame because `maxStacks` was reached. */
  foldedSpans: number;
  /** Σ totalMs of the top-level frames. */
  totalMs: number;
}
