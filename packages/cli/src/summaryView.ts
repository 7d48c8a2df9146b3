import { formatCalls, formatCount, formatDuration, formatPercent } from './formatNumbers.js';
import type { Palette } from './Palette.js';
import type { AnalysisRow, StallSummary } from './readerTypes.js';
import { TextTable } from './TextTable.js';
import { terminalText } from './terminalText.js';

/**
 * The orders `ferret analyze --sort` accepts, one per numeric column of the table (`estimated` is
 * the `≈ all calls` column, `self-p50` the `self p50` one); every one sorts descending.
 */
export const SUMMARY_SORT_KEYS = [
  'total',
  'calls',
  'recorded',
  'estimated',
  'self',
  'self-p50',
  'avg',
  'p50',
  'p95',
  'p99',
  'max',
  'errors',
] as const;
export type SummarySortKey = (typeof SUMMARY_SORT_KEYS)[number];

const SORT_VALUE: Record<SummarySortKey, (row: AnalysisRow) => number> = {
  total: (row) => row.totalMs,
  calls: (row) => row.calls,
  recorded: (row) => row.recorded,
  estimated: (row) => row.estimatedTotalMs,
  self: (row) => row.selfTotalMs,
  'self-p50': (row) => row.selfP50Ms,
  avg: (row) => row.avgMs,
  p50: (row) => row.p50Ms,
  p95: (row) => row.p95Ms,
  p99: (row) => row.p99Ms,
  max: (row) => row.maxMs,
  // Error count first, then rate, so a name failing 50 of 100 ranks above one failing 1 of 1.
  errors: (row) => row.errors,
};

/** The table header of each sort key's column. */
const SORT_COLUMN: Record<SummarySortKey, string> = {
  total: 'total',
  calls: 'calls',
  recorded: 'recorded',
  estimated: '≈ all calls',
  self: 'self',
  'self-p50': 'self p50',
  avg: 'avg',
  p50: 'p50',
  p95: 'p95',
  p99: 'p99',
  max: 'max',
  errors: 'error %',
};

function numberOrMinusInfinity(value: number): number {
  return Number.isNaN(value) ? Number.NEGATIVE_INFINITY : value;
}

/** A sorted copy: descending by `key`, ties broken by total time, then by name and value. */
export function sortSummary(rows: readonly AnalysisRow[], key: SummarySortKey): AnalysisRow[] {
  const value = SORT_VALUE[key];
  return [...rows].sort(
    (a, b) =>
      numberOrMinusInfinity(value(b)) - numberOrMinusInfinity(value(a)) ||
      (key === 'errors' ? b.errorRate - a.errorRate : 0) ||
      b.totalMs - a.totalMs ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
      ((a.value ?? '') < (b.value ?? '') ? -1 : (a.value ?? '') > (b.value ?? '') ? 1 : 0),
  );
}

/** One row of `ferret analyze --json`; described by `schemas/analyze.schema.json`. */
export interface SummaryJsonRow {
  name: string;
  /** With `--by`: which spans of the name the row holds, and their attribute value. */
  group?: 'value' | 'none' | 'other';
  value?: string;
  calls: number;
  /** False when `calls` is an estimate (from the sampling weights of the stored spans). */
  callsExact: boolean;
  recorded: number;
  dropped: number;
  totalMs: number;
  estimatedTotalMs: number;
  selfTotalMs: number;
  selfP50Ms: number | null;
  avgMs: number | null;
  minMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  errors: number;
  errorRate: number | null;
}

/** The document `ferret analyze --json` prints. */
export interface SummaryJson {
  file: string;
  runId: string;
  sort: SummarySortKey;
  /** The `--by` attribute key, when given. */
  by?: string;
  /** With `--by`: spans (of the names shown) that have the attribute; 0 means none has it. */
  spansWithAttribute?: number;
  /** The `--name` glob, when given. */
  name?: string;
  rows: SummaryJsonRow[];
  /** Event-loop stalls of the run per stalled span name (`reader.stalls()`). */
  stalls: StallSummary[];
  /** Traces the count records say were recorded (kept by sampling); 0 without count records. */
  recordedTraces: number;
  /** Of those, the traces whose root span is not in the file: lost after sampling. */
  missingTraces: number;
}

/** Latency figures only mean something when at least one span was recorded; JSON has no NaN. */
function latency(row: AnalysisRow, value: number): number | null {
  return row.recorded > 0 && Number.isFinite(value) ? value : null;
}

function finiteOrZero(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

export function toSummaryJsonRow(row: AnalysisRow): SummaryJsonRow {
  const json: SummaryJsonRow = { name: row.name } as SummaryJsonRow;
  if (row.group !== undefined) json.group = row.group;
  if (row.value !== undefined) json.value = row.value;
  return Object.assign(json, {
    calls: row.calls,
    callsExact: row.callsExact,
    recorded: row.recorded,
    dropped: row.dropped,
    totalMs: finiteOrZero(row.totalMs),
    estimatedTotalMs: finiteOrZero(row.estimatedTotalMs),
    selfTotalMs: finiteOrZero(row.selfTotalMs),
    selfP50Ms: latency(row, row.selfP50Ms),
    avgMs: latency(row, row.avgMs),
    minMs: latency(row, row.minMs),
    p50Ms: latency(row, row.p50Ms),
    p95Ms: latency(row, row.p95Ms),
    p99Ms: latency(row, row.p99Ms),
    maxMs: latency(row, row.maxMs),
    errors: row.errors,
    errorRate: row.recorded > 0 && Number.isFinite(row.errorRate) ? row.errorRate : null,
  });
}

/**
 * The legend under the `ferret analyze` table: what the time columns mean, and which counts are
 * estimates.
 */
export function summaryFootnote(rows: readonly AnalysisRow[]): string[] {
  const lines = [
    'total: time of the recorded spans · ≈ all calls: total scaled by sampling weight to every call · self: total minus time in recorded children',
  ];
  const estimated = rows.filter((row) => !row.callsExact).length;
  const sampled = rows.some((row) => row.dropped > 0);
  if (estimated === 0 && !sampled) return lines;
  const estimate = 'from the sampling weights of the stored spans';
  const calls =
    estimated === 0
      ? 'calls are exact counts'
      : estimated === rows.length
        ? `≈ calls are estimates (${estimate})`
        : `calls are exact counts, except ≈ estimates (${estimate})`;
  lines.push(sampled ? `${calls}; latency columns come from the recorded (sampled) spans` : calls);
  return lines;
}

/** Longest span name printed in a table before it is cut with an ellipsis. */
export const NAME_WIDTH = 60;
/** Longest attribute value printed in the `--by` column. */
export const VALUE_WIDTH = 40;

/** The `--by` cell of a row: the value, or `(none)` / `(other)`. */
function groupCell(row: AnalysisRow): string {
  if (row.group === 'none') return '(none)';
  if (row.group === 'other') return '(other)';
  return row.value ?? '';
}

/**
 * The `ferret analyze` table: one line per span name (or per name and `--by` value). Estimated
 * call counts start with `≈`. Colour marks the sort column (bold header), errors (red) and names
 * with dropped calls (dim "recorded" column).
 */
export function renderSummaryTable(
  rows: readonly AnalysisRow[],
  sort: SummarySortKey,
  palette: Palette,
  by?: string,
): string[] {
  const headers = [
    'name',
    ...(by === undefined ? [] : [terminalText(by, VALUE_WIDTH)]),
    'calls',
    'recorded',
    'total',
    '≈ all calls',
    'self',
    'self p50',
    'avg',
    'p50',
    'p95',
    'p99',
    'max',
    'error %',
  ];
  const dataColumns = by === undefined ? 1 : 2;
  const table = new TextTable(
    headers.map((header, i) => ({
      header: header === SORT_COLUMN[sort] && i >= dataColumns ? `${header}↓` : header,
      align: i < dataColumns ? 'left' : 'right',
      ...(i === 0 ? { maxWidth: NAME_WIDTH } : i < dataColumns ? { maxWidth: VALUE_WIDTH } : {}),
    })),
  );
  for (const row of rows) {
    const lat = (value: number): string =>
      row.recorded > 0 ? formatDuration(value) : palette.style('dim', '-');
    const errorCell = row.recorded > 0 ? formatPercent(row.errorRate) : '-';
    table.addRow([
      row.name,
      ...(by === undefined ? [] : [groupCell(row)]),
      formatCalls(row.calls, row.callsExact),
      row.dropped > 0 ? palette.style('dim', formatCount(row.recorded)) : formatCount(row.recorded),
      formatDuration(row.totalMs),
      `≈${formatDuration(row.estimatedTotalMs)}`,
      formatDuration(row.selfTotalMs),
      lat(row.selfP50Ms),
      lat(row.avgMs),
      lat(row.p50Ms),
      lat(row.p95Ms),
      lat(row.p99Ms),
      lat(row.maxMs),
      row.errors > 0 ? palette.style('red', errorCell) : errorCell,
    ]);
  }
  return table.render((text) => palette.style('bold', text));
}
