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
  run: {
    runId: string;
    serviceName: string | null;
    firstStartTime: number;
    lastEndTime: number;
    spanCount: number;
    rootCalls: number;
    callsExact: boolean;
  };
  /** True when the run has no stored span: the page says so (and shows the counted calls, if any). */
  empty: boolean;
  summary: ReportSummaryRow[];
  /** Rows left out of `summary` (the page shows how many). */
  summaryOmitted: number;
  /** The stack tree; frames as `[nameIndex, calls, recorded, totalMs, selfMs, errors, children]`. */
  names: string[];
  stacks: ReportFrame;
  timeline: {
    bucketMs: number;
    hasCounts: boolean;
    /** Epoch seconds of each bucket's start. */
    time: number[];
    calls: number[];
    recorded: number[];
    dropped: number[];
    stored: number[];
  };
  latency: { name: string; lowerMs: number[]; upperMs: number; counts: number[] }[];
  slowestTraces: {
    traceId: string;
    startTime: number;
    durationMs: number;
    spanCount: number;
    spans: { name: string; offsetMs: number; durationMs: number; depth: number; error: boolean }[];
  }[];
  /** What the reader left out to stay bounded, shown as notes. */
  notes: string[];
}

/** One row of the summary table. */
export interface ReportSummaryRow {
  name: string;
  calls: number;
  callsExact: boolean;
  recorded: number;
  dropped: number;
  totalMs: number;
  estimatedTotalMs: number;
  avgMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  errorRate: number;
}

/** `[nameIndex, calls, recorded, totalMs, selfMs, errors, children]`: compact in the page. */
export type ReportFrame = [number, number, number, number, number, number, ReportFrame[]];
