// The mapping between a SpanRecord and a row of the `spans` table, kept in one place so the
// writer and the reader cannot drift apart.
import type { Attributes, SpanEventRecord, SpanRecord } from '@ferret/profiler';
import type { RowChecker } from './rowChecks.js';

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

/**
 * Rebuilds a SpanRecord from a raw row; optional fields are absent when the column is NULL.
 * @throws FerretStoreError `DAMAGED` when a column holds a value of a type Ferret never writes
 *   there (the row is untrusted: SQLite stores any type in any column).
 */
export function rowToSpan(
  row: SpanRow,
  runIdOf: (runKey: number) => string,
  check: RowChecker,
): SpanRecord {
  const span: SpanRecord = {
    traceId: check.text(row[1], 'spans.trace_id'),
    spanId: check.text(row[2], 'spans.span_id'),
    name: check.text(row[4], 'spans.name'),
    startTime: check.number(row[5], 'spans.start_time'),
    duration: check.number(row[6], 'spans.duration'),
    status: check.integer(row[7], 'spans.status') === 1 ? 'error' : 'ok',
    attributes: {},
    runId: runIdOf(check.integer(row[0], 'spans.run_key')),
    pid: check.integer(row[14], 'spans.pid'),
    threadId: check.integer(row[15], 'spans.thread_id'),
    weight: check.weight(row[12], 'spans.weight'),
  };
  const attributes = check.textOrNull(row[8], 'spans.attributes');
  if (attributes !== null) {
    const parsed = parseJson(attributes);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw check.badJson('spans.attributes', 'a JSON object');
    }
    span.attributes = parsed as Attributes;
  }
  const parentSpanId = check.textOrNull(row[3], 'spans.parent_span_id');
  if (parentSpanId !== null) span.parentSpanId = parentSpanId;
  const truncated = check.integerOrNull(row[13], 'spans.truncated_children');
  if (truncated !== null) span.truncatedChildren = truncated;
  const kind = check.textOrNull(row[10], 'spans.kind');
  if (kind !== null) span.kind = kind;
  const events = check.textOrNull(row[9], 'spans.events');
  if (events !== null) {
    const parsed = parseJson(events);
    if (!Array.isArray(parsed) || !parsed.every(isEvent)) {
      throw check.badJson('spans.events', 'a JSON array of events');
    }
    span.events = parsed as SpanEventRecord[];
  }
  const serviceName = check.textOrNull(row[11], 'spans.service_name');
  if (serviceName !== null) span.serviceName = serviceName;
  return span;
}

const NOT_JSON = Symbol('not JSON');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

function isEvent(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const { name, time, attributes } = value as Record<string, unknown>;
  return (
    typeof name === 'string' &&
    typeof time === 'number' &&
    (attributes === undefined ||
      (attributes !== null && typeof attributes === 'object' && !Array.isArray(attributes)))
  );
}
