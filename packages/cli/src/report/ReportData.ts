import type {
  LatencyHistogram,
  NameSummary,
  RunInfo,
  RunTimeline,
  WaterfallSpan,
  WaterfallTrace,
} from '../readerTypes.js';

/**
 * The data `ferret report` embeds in the page (as JSON) and the page's script draws. Aggregated
 * and bounded: its size depends on names, stacks and the run's length in seconds, never on the
 * number of spans. Every string from the database is already cut to a bounded length and has its
 * control characters escaped; the page still inserts them as text only.
 */
export interface ReportData {
  /** Format of this object, for the page script. */
  version: 1;
  title: string;
  generatedAt: string;
  file: string;
  /** The reader's run, `serviceName` `null` when the run has none (JSON has no `undefined`). */
  run: Pick<
    RunInfo,
    'runId' | 'firstStartTime' | 'lastEndTime' | 'spanCount' | 'rootCalls' | 'callsExact'
  > & { serviceName: string | null };
  /** True when the run has no stored span: the page says so (and shows the counted calls, if any). */
  empty: boolean;
  summary: ReportSummaryRow[];
  /** Rows left out of `summary` (the page shows how many). */
  summaryOmitted: number;
  /** The stack tree; frames as `[nameIndex, calls, recorded, totalMs, selfMs, errors, children]`. */
  names: string[];
  stacks: ReportFrame;
  /** The reader's timeline, one array per bucket field (column-wise, as the chart takes it). */
  timeline: Pick<RunTimeline, 'bucketMs' | 'hasCounts'> & {
    /** Epoch seconds of each bucket's start. */
    time: number[];
    calls: number[];
    recorded: number[];
    dropped: number[];
    stored: number[];
  };
  latency: LatencyHistogram[];
  /** The reader's slowest traces; a span's `status` becomes `error: boolean`. */
  slowestTraces: (Pick<WaterfallTrace, 'traceId' | 'startTime' | 'durationMs' | 'spanCount'> & {
    spans: (Pick<WaterfallSpan, 'name' | 'offsetMs' | 'durationMs' | 'depth'> & {
      error: boolean;
    })[];
  })[];
  /** What the reader left out to stay bounded, shown as notes. */
  notes: string[];
}

/** One row of the summary table: the reader's summary row, the fields the page shows. */
export type ReportSummaryRow = Pick<
  NameSummary,
  | 'name'
  | 'calls'
  | 'callsExact'
  | 'recorded'
  | 'dropped'
  | 'totalMs'
  | 'estimatedTotalMs'
  | 'avgMs'
  | 'p50Ms'
  | 'p95Ms'
  | 'p99Ms'
  | 'maxMs'
  | 'errors'
  | 'errorRate'
>;

/** `[nameIndex, calls, recorded, totalMs, selfMs, errors, children]`: compact in the page. */
export type ReportFrame = [number, number, number, number, number, number, ReportFrame[]];
