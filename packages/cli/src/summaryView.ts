import { formatCalls, formatCount, formatDuration, formatPercent } from './formatNumbers.js';
import type { Palette } from './Palette.js';
import type { NameSummary } from './readerTypes.js';
import { TextTable } from './TextTable.js';

/** The orders `ferret analyze --sort` accepts; every one sorts descending. */
export const SUMMARY_SORT_KEYS = ['total', 'avg', 'p95', 'p99', 'calls', 'errors'] as const;
export type SummarySortKey = (typeof SUMMARY_SORT_KEYS)[number];

const SORT_VALUE: Record<SummarySortKey, (row: NameSummary) => number> = {
  total: (row) => row.totalMs,
  avg: (row) => row.avgMs,
  p95: (row) => row.p95Ms,
  p99: (row) => row.p99Ms,
  calls: (row) => row.calls,
  // Error count first, then rate, so a name failing 50 of 100 ranks above one failing 1 of 1.
  errors: (row) => row.errors,
};

function numberOrMinusInfinity(value: number): number {
  return Number.isNaN(value) ? Number.NEGATIVE_INFINITY : value;
}

/** A sorted copy: descending by `key`, ties broken by total time, then by name. */
export function sortSummary(rows: readonly NameSummary[], key: SummarySortKey): NameSummary[] {
  const value = SORT_VALUE[key];
  return [...rows].sort(
    (a, b) =>
      numberOrMinusInfinity(value(b)) - numberOrMinusInfinity(value(a)) ||
      (key === 'errors' ? b.errorRate - a.errorRate : 0) ||
      b.totalMs - a.totalMs ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

/** One row of `ferret analyze --json`; described by `schemas/analyze.schema.json`. */
export interface SummaryJsonRow {
  name: string;
  calls: number;
  /** False when `calls` is an estimate (from the sampling weights of the stored spans). */
  callsExact: boolean;
  recorded: number;
  dropped: number;
  totalMs: number;
  avgMs: number | null;
  minMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  errors: number;
  errorRate: number | null;
  estimatedTotalMs: number;
}

/** The document `ferret analyze --json` prints. */
export interface SummaryJson {
  file: string;
  runId: string;
  sort: SummarySortKey;
  rows: SummaryJsonRow[];
}

/** Latency figures only mean something when at least one span was recorded; JSON has no NaN. */
function latency(row: NameSummary, value: number): number | null {
  return row.recorded > 0 && Number.isFinite(value) ? value : null;
}

export function toSummaryJsonRow(row: NameSummary): SummaryJsonRow {
  return {
    name: row.name,
    calls: row.calls,
    callsExact: row.callsExact,
    recorded: row.recorded,
    dropped: row.dropped,
    totalMs: Number.isFinite(row.totalMs) ? row.totalMs : 0,
    avgMs: latency(row, row.avgMs),
    minMs: latency(row, row.minMs),
    p50Ms: latency(row, row.p50Ms),
    p95Ms: latency(row, row.p95Ms),
    p99Ms: latency(row, row.p99Ms),
    maxMs: latency(row, row.maxMs),
    errors: row.errors,
    errorRate: row.recorded > 0 && Number.isFinite(row.errorRate) ? row.errorRate : null,
    estimatedTotalMs: Number.isFinite(row.estimatedTotalMs) ? row.estimatedTotalMs : 0,
  };
}

/**
 * The legend under the `ferret analyze` table, or undefined when there is nothing to explain
 * (every count exact and nothing dropped).
 */
export function summaryFootnote(rows: readonly NameSummary[]): string | undefined {
  const estimated = rows.filter((row) => !row.callsExact).length;
  const sampled = rows.some((row) => row.dropped > 0);
  if (estimated === 0 && !sampled) return undefined;
  const estimate = 'from the sampling weights of the stored spans';
  const calls =
    estimated === 0
      ? 'calls are exact counts'
      : estimated === rows.length
        ? `≈ calls are estimates (${estimate})`
        : `calls are exact counts, except ≈ estimates (${estimate})`;
  return sampled ? `${calls}; latency columns come from the recorded (sampled) spans` : calls;
}

/** Longest span name printed in a table before it is cut with an ellipsis. */
export const NAME_WIDTH = 60;

/**
 * The `ferret analyze` table: one line per span name. Estimated call counts start with `≈`.
 * Colour marks the sort column (bold), names with errors (red error %) and names with dropped
 * calls (dim "recorded" column).
 */
export function renderSummaryTable(
  rows: readonly NameSummary[],
  sort: SummarySortKey,
  palette: Palette,
): string[] {
  const sortColumn: Record<SummarySortKey, string> = {
    total: 'total',
    avg: 'avg',
    p95: 'p95',
    p99: 'p99',
    calls: 'calls',
    errors: 'error %',
  };
  const headers = [
    'name',
    'calls',
    'recorded',
    'total',
    'avg',
    'min',
    'p50',
    'p95',
    'p99',
    'max',
    'error %',
  ];
  const table = new TextTable(
    headers.map((header, i) => ({
      header: header === sortColumn[sort] ? `${header}↓` : header,
      align: i === 0 ? 'left' : 'right',
      ...(i === 0 ? { maxWidth: NAME_WIDTH } : {}),
    })),
  );
  for (const row of rows) {
    const lat = (value: number): string =>
      row.recorded > 0 ? formatDuration(value) : palette.style('dim', '-');
    const errorCell = row.recorded > 0 ? formatPercent(row.errorRate) : '-';
    table.addRow([
      row.name,
      formatCalls(row.calls, row.callsExact),
      row.dropped > 0 ? palette.style('dim', formatCount(row.recorded)) : formatCount(row.recorded),
      formatDuration(row.totalMs),
      lat(row.avgMs),
      lat(row.minMs),
      lat(row.p50Ms),
      lat(row.p95Ms),
      lat(row.p99Ms),
      lat(row.maxMs),
      row.errors > 0 ? palette.style('red', errorCell) : errorCell,
    ]);
  }
  return table.render((text) => palette.style('bold', text));
}
