// The row stream behind the analysis queries (analyze, stack tree): one run's spans in start
// order, through the (run_key, start_time) index, with only the columns the analysis needs.
import { MAX_SAMPLING_WEIGHT } from '@ferret/internal';
import type Database from 'better-sqlite3';
import { SAMPLED_NAME_COLUMN } from './callEstimates.js';
import { FerretStoreError } from './FerretStoreError.js';
import { BUDGET } from './QueryBudget.js';
import { isStoredWeight } from './rowChecks.js';

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
}

type RawRow = [
  string,
  string,
  string | null,
  string,
  number,
  number,
  number,
  number,
  number,
  number | null,
  string | null,
  unknown,
];

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

function damaged(path: string, what: string): FerretStoreError {
  return new FerretStoreError('CORRUPT', `${path}: damaged span row (${what})`);
}

/**
 * Calls `onRow` for each span of the run, in ascending start time. Rows are read one at a time
 * (the statement iterates), and the same `StreamRow` object is reused: copy what you keep.
 * @throws FerretStoreError `CORRUPT` for a row whose types are wrong.
 */
export function streamRun(
  db: Database.Database,
  path: string,
  runKey: number,
  attributeKey: string | undefined,
  onRow: (row: StreamRow) => void,
): void {
  const inSql = attributeKey !== undefined && sqlLabelSafe(attributeKey);
  const attributeColumn =
    attributeKey === undefined
      ? 'NULL'
      : inSql
        ? 'CASE WHEN json_valid(attributes) THEN attributes -> ? END'
        : 'attributes';
  const statement = db
    .prepare(
      `SELECT trace_id, span_id, parent_span_id, name, start_time, duration, status, weight,
              is_root, truncated_children, ${attributeColumn}, ${SAMPLED_NAME_COLUMN}
       FROM spans WHERE ${BUDGET} AND run_key = ? ORDER BY start_time`,
    )
    .raw();
  const rows = (
    inSql ? statement.iterate(attributeKey, runKey) : statement.iterate(runKey)
  ) as IterableIterator<RawRow>;
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
  };
  for (const raw of rows) {
    const [traceId, spanId, parentSpanId, name, start, duration, status, weight, isRoot] = raw;
    if (typeof name !== 'string') throw damaged(path, 'name is not text');
    if (typeof start !== 'number' || typeof duration !== 'number' || typeof weight !== 'number') {
      throw damaged(
        path,
        `start_time, duration or weight of "${name.slice(0, 80)}" is not a number`,
      );
    }
    if (!isStoredWeight(weight)) {
      throw damaged(
        path,
        `weight of "${name.slice(0, 80)}" is not from 1 to ${MAX_SAMPLING_WEIGHT}`,
      );
    }
    row.traceId = String(traceId);
    row.spanId = String(spanId);
    row.parentSpanId = parentSpanId === null ? null : String(parentSpanId);
    row.name = name;
    row.start = start;
    row.durationMs = duration;
    row.isError = status === 1;
    row.weight = weight;
    row.isRoot = isRoot === 1;
    row.truncatedChildren = typeof raw[9] === 'number' ? raw[9] : 0;
    const attribute = raw[10];
    row.attribute =
      attributeKey === undefined
        ? undefined
        : inSql
          ? (attribute ?? undefined)
          : attributeFromJson(attribute, attributeKey);
    row.sampledName = raw[11];
    onRow(row);
  }
}
