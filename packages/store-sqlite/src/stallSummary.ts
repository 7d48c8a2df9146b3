// Event-loop stalls of one run, per stalled span name, from the `ferret.stall` spans the
// profiler's stall watchdog records.
import { STALL_SPAN_NAME } from '@ferret/profiler';
import type Database from 'better-sqlite3';
import { BUDGET } from './QueryBudget.js';
import type { RowChecker } from './rowChecks.js';

/** Most rows {@link readStalls} returns: the stalled names with the most blocked time. */
export const MAX_STALL_ROWS = 100;

/** Stalls of one run that stopped the loop inside spans of one name. */
export interface StallSummary {
  /** The span that was running when the loop stalled; `null` for stalls outside any recorded span. */
  spanName: string | null;
  /** Stalls recorded. */
  count: number;
  /** Longest stall, ms. */
  maxMs: number;
  /** Time the loop was blocked over all of them, ms. */
  totalMs: number;
}

/**
 * Groups the run's `ferret.stall` spans by the stalled span's name (their
 * `ferret.stall.span.name` attribute), most blocked time first, at most {@link MAX_STALL_ROWS}.
 * Attributes that are not JSON, or a name that is not text, count as no name.
 */
export function readStalls(
  db: Database.Database,
  source: string,
  runKey: number,
  check: RowChecker,
): StallSummary[] {
  const rows = db
    .prepare(
      `SELECT span_name, count(*), max(duration), sum(duration) FROM (
         SELECT CASE WHEN json_valid(attributes)
                     AND json_type(attributes, '$."ferret.stall.span.name"') = 'text'
                THEN json_extract(attributes, '$."ferret.stall.span.name"') END AS span_name,
                duration
         FROM ${source} WHERE ${BUDGET} AND run_key = ? AND name = ?)
       GROUP BY span_name ORDER BY sum(duration) DESC, span_name LIMIT ?`,
    )
    .raw()
    .all(runKey, STALL_SPAN_NAME, MAX_STALL_ROWS) as unknown[][];
  return rows.map(([spanName, count, maxMs, totalMs]) => ({
    spanName: check.textOrNull(spanName, 'spans.attributes'),
    count: check.integer(count, 'spans'),
    maxMs: check.number(maxMs, 'spans.duration'),
    totalMs: check.number(totalMs, 'spans.duration'),
  }));
}
