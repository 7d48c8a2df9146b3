/**
 * The reader types the CLI prints. They mirror the `@ferret/store-sqlite` reader contract and are
 * swapped for re-exports of that package's own types once it is built.
 */
import type { SpanRecord } from '@ferret/profiler';

export interface RunInfo {
  runId: string;
  firstStartTime: number;
  lastEndTime: number;
  spanCount: number;
  calls: number;
  serviceName?: string;
}

export interface NameSummary {
  name: string;
  calls: number;
  recorded: number;
  dropped: number;
  totalMs: number;
  avgMs: number;
  minMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  errorRate: number;
  estimatedTotalMs: number;
}

export interface SpanNode {
  span: SpanRecord;
  children: SpanNode[];
}

export interface TraceTree {
  traceId: string;
  root: SpanNode;
  spanCount: number;
  durationMs: number;
}

export interface SpanReader {
  readonly path: string;
  runs(): RunInfo[];
  latestRunId(): string | undefined;
  summary(options?: { runId?: string }): NameSummary[];
  slowestTraces(options?: { runId?: string; limit?: number }): TraceTree[];
  spans(options?: { runId?: string; traceId?: string }): IterableIterator<SpanRecord>;
  close(): void;
}
