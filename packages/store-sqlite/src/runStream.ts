// The row stream behind the analysis queries (analyze, stack tree): one run's spans in start
// order, through the (run_key, start_time) index, with only the columns the analysis needs.
import type Database from 'better-sqlite3';
import { SAMPLED_NAME_COLUMN } from './callEstimates.js';
import { RowChecker } from './rowChecks.js';
import { forEachRowInOrder } from './rowSink.js';

/** What the analysis reads of a span. `attribute` is the JSON text of one attribute, if asked. */
export interface StreamRow {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  start: number;
  durationMs: number;
  isError: boolean;
  weight: number;
  isRoot: boolean;
  truncatedChildren: number;
  /** JSON text of the attribute named by `attribute` (undefined when absent or not asked). */
  attribute: string | undefined;
  /** A root's `ferret.sampled_name` as stored (null when absent, and for the other spans). */
  sampledName: unknown;
  /** Whether the name matches the stream's name pattern (true without one). */
  nameMatches: boolean;
}

/**
 * Whether SQLite's `->` operator can take the key as a label: it reads `"` and `\` as path
 * syntax, so such keys are looked up in JavaScript instead.
 */
function sqlLabelSafe(key: string): boolean {
  return !/["\\]/.test(key);
}

/** The JSON text of `attributes[key]`, read in JavaScript (keys `->` cannot express). */
function attributeFromJson(attributes: string | null, key: string): string | undefined {
  if (attributes === null) return undefined;
  try {
    const parsed: unknown = JSON.parse(attributes);
    if (parsed === null || typeof parsed !== 'object' || !Object.hasOwn(parsed, key)) {
      return undefined;
    }
    return JSON.stringify((parsed as Record<string, unknown>)[key]);
  } catch {
    return undefined;
  }
}

/**
 * Calls `onRow` for each span of the run, in ascending start time. The rows reach JavaScript from
 * inside SQLite (see rowSink.ts), and the same `StreamRow` object is reused: copy what you keep.
 * `onRow` may not use the connection. With `nameGlob`, `row.nameMatches` says whether the name
 * matches that GLOB pattern (SQLite's GLOB, evaluated in SQL).
 * @throws FerretStoreError `DAMAGED` for a row whose types are wrong ({@link RowChecker.spanRow}).
 */
export function streamRun(
  db: Database.Database,
  path: string,
  runKey: number,
  attributeKey: string | undefined,
  onRow: (row: StreamRow) => void,
  nameGlob?: string,
): void {
  const inSql = attributeKey !== undefined && sqlLabelSafe(attributeKey);
  const attributeColumn =
    attributeKey === undefined
      ? 'NULL'
      : inSql
        ? 'CASE WHEN json_valid(attributes) THEN attributes -> @attribute END'
        : 'attributes';
  const row: StreamRow = {
    traceId: '',
    spanId: '',
    parentSpanId: null,
    name: '',
    start: 0,
    durationMs: 0,
    isError: false,
    weight: 1,
    isRoot: false,
    truncatedChildren: 0,
    attribute: undefined,
    sampledName: null,
    nameMatches: true,
  };
  const check = new RowChecker(path);
  const params: Record<string, unknown> = { runKey };
  if (inSql) params.attribute = attributeKey;
  if (nameGlob !== undefined) params.nameGlob = nameGlob;
  forEachRowInOrder(
    db,
    {
      columns: `trace_id, span_id, parent_span_id, name, start_time, duration, status, weight,
                is_root, truncated_children, ${attributeColumn}, ${SAMPLED_NAME_COLUMN},
                ${nameGlob === undefined ? '1' : 'name GLOB @nameGlob'}`,
      from: 'spans',
      where: 'run_key = @runKey',
      params,
    },
    'start_time',
    (
      traceId: unknown,
      spanId: unknown,
      parentSpanId: unknown,
      name: unknown,
      start: unknown,
      duration: unknown,
      status: unknown,
      weight: unknown,
      isRoot: unknown,
      truncated: unknown,
      attribute: unknown,
      sampledName: unknown,
      nameMatches: unknown,
    ) => {
      check.spanRow(name, start, duration, status, weight);
      row.traceId = String(traceId);
      row.spanId = String(spanId);
      row.parentSpanId = parentSpanId === null ? null : String(parentSpanId);
      row.name = name as string;
      row.start = start as number;
      row.durationMs = duration as number;
      row.isError = status === 1;
      row.weight = weight as number;
      row.isRoot = isRoot === 1;
      row.truncatedChildren = typeof truncated === 'number' ? truncated : 0;
      row.attribute =
        attributeKey === undefined
          ? undefined
          : inSql
            ? ((attribute as string | null) ?? undefined)
            : attributeFromJson(attribute as string | null, attributeKey);
      row.sampledName = sampledName;
      row.nameMatches = nameMatches === 1;
      onRow(row);
    },
  );
}
