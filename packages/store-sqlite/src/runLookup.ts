// `reader.resolveRunId()`: from what a user types (`latest`, `previous`, a prefix) to a run id.
import type Database from 'better-sqlite3';
import { FerretStoreError } from './FerretStoreError.js';
import { BUDGET } from './QueryBudget.js';

/** Candidates listed when a prefix matches several runs. */
const LISTED_CANDIDATES = 5;

/**
 * The run id `spec` names: an exact run id first; else `latest` (the run that started last) or
 * `previous` (the one before it); else the only run whose id starts with `spec`.
 * @throws FerretStoreError `NO_RUNS` (empty database), `UNKNOWN_RUN` (nothing matches, or no
 *   previous run), `AMBIGUOUS_RUN` (several runs start with `spec`; the message lists them).
 */
export function lookUpRunId(db: Database.Database, path: string, spec: string): string {
  const exact = db
    .prepare(`SELECT run_id FROM runs WHERE ${BUDGET} AND run_id = ?`)
    .pluck()
    .get(spec);
  if (exact !== undefined) return String(exact);
  const newestFirst = db
    .prepare(
      `SELECT run_id FROM runs WHERE ${BUDGET} ORDER BY first_start DESC, run_key DESC LIMIT ?`,
    )
    .pluck();
  if (spec === 'latest' || spec === 'previous') {
    const latest = newestFirst.all(2) as unknown[];
    if (latest.length === 0) throw new FerretStoreError('NO_RUNS', `${path} holds no runs yet`);
    const id = spec === 'latest' ? latest[0] : latest[1];
    if (id === undefined) {
      throw new FerretStoreError(
        'UNKNOWN_RUN',
        `${path} has only one run: there is no previous run`,
      );
    }
    return String(id);
  }
  const candidates = db
    .prepare(
      `SELECT run_id FROM runs WHERE ${BUDGET} AND substr(run_id, 1, length(?)) = ?
       ORDER BY first_start DESC, run_key DESC LIMIT ?`,
    )
    .pluck()
    .all(spec, spec, LISTED_CANDIDATES + 1) as unknown[];
  if (candidates.length === 1) return String(candidates[0]);
  if (candidates.length > 1) {
    const listed = candidates.slice(0, LISTED_CANDIDATES).map(String).join(', ');
    const count =
      candidates.length > LISTED_CANDIDATES
        ? `more than ${LISTED_CANDIDATES} run ids (newest: ${listed}, …)`
        : `${candidates.length} run ids (${listed})`;
    throw new FerretStoreError(
      'AMBIGUOUS_RUN',
      `${path}: run "${spec}" is ambiguous: it starts ${count}; type more of it`,
    );
  }
  const known = newestFirst.all(LISTED_CANDIDATES + 1) as unknown[];
  const list =
    known.length === 0
      ? 'it holds no runs'
      : `latest runs: ${known.slice(0, LISTED_CANDIDATES).map(String).join(', ')}${known.length > LISTED_CANDIDATES ? ', …' : ''}`;
  throw new FerretStoreError('UNKNOWN_RUN', `${path} has no run "${spec}" (${list})`);
}
