// The root names' factors of one run (or window), in the one way every view applies them:
// count records shared among the names roots are stored under, then exact calls ÷ Σ stored root
// weight per root name (callEstimates.ts holds both rules).
import type Database from 'better-sqlite3';
import { type CountTotals, type RenamedRoots, rootEstimates } from './callEstimates.js';
import { BUDGET } from './QueryBudget.js';
import { COUNT_TOTALS_COLUMNS, type RowChecker } from './rowChecks.js';

/** A run's count records summed per name (the name its roots were sampled under). */
export function readCountTotals(
  db: Database.Database,
  runKey: number,
  check: RowChecker,
): Map<string, CountTotals> {
  const counts = new Map<string, CountTotals>();
  const rows = db
    .prepare(
      `SELECT name, ${COUNT_TOTALS_COLUMNS} FROM counts WHERE ${BUDGET} AND run_key = ? GROUP BY name`,
    )
    .raw()
    .all(runKey) as unknown[][];
  for (const [name, calls, recorded, dropped, bad] of rows) {
    counts.set(check.text(name, 'counts.name'), check.countTotals(calls, recorded, dropped, bad));
  }
  return counts;
}

/**
 * The count records per stored name and the factor of each root name whose calls differ from its
 * Σ stored root weight ({@link rootEstimates}), from the count records per sampled name,
 * `[stored name, Σ weight, spans]` of the stored roots and the renamed roots.
 */
export function rootFactors(
  sampledCounts: ReadonlyMap<string, CountTotals>,
  roots: Iterable<[string, number, number]>,
  renamed: RenamedRoots,
): { counts: Map<string, CountTotals>; factors: Map<string, number> } {
  const { counts, factors } = rootEstimates(sampledCounts, roots, renamed);
  return { counts, factors };
}
