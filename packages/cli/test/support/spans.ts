import type { SpanRecord } from '@ferret/profiler';
import type { AnalysisRow, SpanNode, TraceTree } from '../../src/readerTypes.js';

let nextId = 1;

/** A span with sensible defaults; `start`/`duration` are ms relative to `base`. */
export function span(
  fields: Partial<SpanRecord> & { name: string; start: number; duration: number },
  base = 1_700_000_000_000,
): SpanRecord {
  const { start, ...rest } = fields;
  const id = (nextId++).toString(16).padStart(16, '0');
  return {
    traceId: 'a'.repeat(32),
    spanId: id,
    status: 'ok',
    attributes: {},
    runId: 'run-1',
    pid: 1234,
    threadId: 0,
    weight: 1,
    ...rest,
    startTime: base + start,
  };
}

/** Builds a tree value the way the reader would (children sorted by start). */
export function node(record: SpanRecord, children: SpanNode[] = []): SpanNode {
  for (const child of children) child.span.parentSpanId = record.spanId;
  for (const child of children) child.span.traceId = record.traceId;
  return {
    span: record,
    children: [...children].sort((a, b) => a.span.startTime - b.span.startTime),
  };
}

export function tree(root: SpanNode): TraceTree {
  let count = 0;
  const walk = (n: SpanNode): void => {
    count += 1;
    n.children.forEach(walk);
  };
  walk(root);
  return { traceId: root.span.traceId, root, spanCount: count, durationMs: root.span.duration };
}

/** Flattens a tree back to the span list (what `reader.spans()` returns). */
export function flatten(root: SpanNode): SpanRecord[] {
  const out: SpanRecord[] = [];
  const walk = (n: SpanNode): void => {
    out.push(n.span);
    n.children.forEach(walk);
  };
  walk(root);
  return out.sort((a, b) => a.startTime - b.startTime);
}

export function summary(fields: Partial<AnalysisRow> & { name: string }): AnalysisRow {
  return {
    selfTotalMs: 50,
    selfP50Ms: 4,
    calls: 10,
    callsExact: true,
    recorded: 10,
    dropped: 0,
    totalMs: 100,
    avgMs: 10,
    minMs: 1,
    p50Ms: 9,
    p95Ms: 20,
    p99Ms: 25,
    maxMs: 30,
    errors: 0,
    errorRate: 0,
    estimatedTotalMs: 100,
    ...fields,
  };
}
