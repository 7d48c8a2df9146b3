// The mapping between a SpanRecord and a row of the `spans` table, kept in one place so the
// writer and the reader cannot drift apart.
import type { Attributes, SpanEventRecord, SpanRecord } from '@ferret/profiler';

/** Columns the reader selects to rebuild a {@link SpanRecord}, in this order. */
export const SPAN_SELECT_COLUMNS =
  'run_key, trace_id, span_id, parent_span_id, name, start_time, duration, status, attributes, events, kind, service_name, weight, truncated_children, pid, thread_id';

/** The row tuple matching {@link SPAN_SELECT_COLUMNS}, as better-sqlite3 returns it in raw mode. */
export type SpanRow = [
  runKey: number,
  traceId: string,
  spanId: string,
  parentSpanId: string | null,
  name: string,
  startTime: number,
  duration: number,
  status: number,
  attributes: string | null,
  events: string | null,
  kind: string | null,
  serviceName: string | null,
  weight: number,
  truncatedChildren: number | null,
  pid: number,
  threadId: number,
];

export const INSERT_SPAN_SQL = `INSERT INTO spans (run_key, trace_id, span_id, parent_span_id, is_root, name, start_time, duration, status, attributes, events, kind, service_name, weight, truncated_children, pid, thread_id)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/**
 * A span whose parent lives in another process (an OpenTelemetry span continuing a remote trace)
 * is the root of its local tree. The exporter marks such records with this symbol-free flag.
 */
export interface StoredSpanRecord extends SpanRecord {
  /** True when the parent was recorded elsewhere (OpenTelemetry remote parent). */
  parentIsRemote?: boolean | undefined;
}

export function eventsToJson(events: readonly SpanEventRecord[] | undefined): string | null {
  return events && events.length > 0 ? JSON.stringify(events) : null;
}

/** Rebuilds a SpanRecord from a raw row; optional fields are absent when the column is NULL. */
export function rowToSpan(row: SpanRow, runIdOf: (runKey: number) => string): SpanRecord {
  const span: SpanRecord = {
    traceId: row[1],
    spanId: row[2],
    name: row[4],
    startTime: row[5],
    duration: row[6],
    status: row[7] === 1 ? 'error' : 'ok',
    attributes: row[8] === null ? {} : (JSON.parse(row[8]) as Attributes),
    runId: runIdOf(row[0]),
    pid: row[14],
    threadId: row[15],
    weight: row[12],
  };
  if (row[3] !== null) span.parentSpanId = row[3];
  if (row[13] !== null) span.truncatedChildren = row[13];
  if (row[10] !== null) span.kind = row[10];
  if (row[9] !== null) span.events = JSON.parse(row[9]) as SpanEventRecord[];
  if (row[11] !== null) span.serviceName = row[11];
  return span;
}
