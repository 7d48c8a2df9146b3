import type { SpanRecord } from '@ferret/profiler';
import Database from 'better-sqlite3';
import { assertReadableVersion, describeError, inspectDatabaseFile } from './databaseFile.js';
import { FerretStoreError } from './FerretStoreError.js';
import { NameAccumulator, UNPACKED_NAMES } from './NameAccumulator.js';
import { applicationIdOf, FERRET_APPLICATION_ID, schemaVersionOf } from './schema.js';
import { rowToSpan, SPAN_SELECT_COLUMNS, type SpanRow } from './spanRow.js';

/** One run (one process execution) found in a database. */
export interface RunInfo {
  runId: string;
  /** Epoch ms of the earliest span start (of the earliest count interval when no span was kept). */
  firstStartTime: number;
  /** Epoch ms of the latest span end (start + duration). */
  lastEndTime: number;
  /** Stored spans, of every name, roots and children. */
  spanCount: number;
  /**
   * Root calls (calls that started a trace): the sum of the count records' `calls` when the run
   * has count records (exact: sampled or not), else an estimate from the stored root spans (see
   * {@link RunInfo.callsExact}).
   */
  rootCalls: number;
  /** The same number as {@link RunInfo.rootCalls}, under the name the first contract gave it. */
  calls: number;
  /**
   * True when `rootCalls` comes from count records. False for a run without them (OpenTelemetry
   * exports, a run whose count records were all lost): `rootCalls` is then Σ weight of the
   * stored root spans, rounded, i.e. the stored roots scaled up by their sampling weights.
   */
  callsExact: boolean;
  /** `service.name` of the run's first OpenTelemetry span, when there is one. */
  serviceName?: string;
}

/**
 * Per-name statistics of one run, from {@link SpanReader.summary}. `recorded` and every timing
 * come from the stored spans; `calls` also counts calls that were not stored.
 */
export interface NameSummary {
  name: string;
  /**
   * Calls of the name in the run, sampled or not. For a root name with count records this is
   * their `calls` summed: exact. Spans the profiler does not count (children such as `db.query`,
   * OpenTelemetry spans) are estimated as Σ weight of the stored spans, rounded: every stored
   * span stands for `weight` calls, because its trace's root was kept with that weight; where the
   * root's name has count records, the weight is scaled by that name's exact calls ÷ Σ weight of
   * its stored roots (weights lag a change of traffic; the counts do not). A name
   * that is a root in some traces and a child in others adds both parts. See `callsExact`.
   */
  calls: number;
  /**
   * Whether `calls` is an exact count. True when the name's calls come only from count records,
   * or when the estimated part is provably complete: the run has count records, they report no
   * dropped root call, every root they say was recorded is stored (none lost in a queue), no
   * root reports truncated children, and every stored span of the name has weight 1.
   * False as well when the stored roots outnumber what the count records say was recorded (some
   * count records were lost): `calls` is then at least the estimate from the stored roots.
   */
  callsExact: boolean;
  /** Stored (sampled) spans. */
  recorded: number;
  /** `calls - recorded`: calls that were not stored (not sampled, or lost before storage). */
  dropped: number;
  totalMs: number;
  avgMs: number;
  minMs: number;
  /** Percentiles from an HdrHistogram: 3 significant digits on microsecond values. */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Stored spans with status `'error'`. */
  errors: number;
  /** `errors / recorded`, 0..1 (0 when nothing was recorded). */
  errorRate: number;
  /** Sum of duration × weight: the total time extrapolated over all calls. */
  estimatedTotalMs: number;
}

/** A span and its recorded descendants; `children` sorted by start time. */
export interface SpanNode {
  span: SpanRecord;
  children: SpanNode[];
}

/** A whole trace, from its root. */
export interface TraceTree {
  traceId: string;
  root: SpanNode;
  /** Spans in the tree (the root and its recorded descendants). */
  spanCount: number;
  /** The root's duration. */
  durationMs: number;
}

/** Read-only, streaming access to a Ferret database. Every method but `close()` may throw {@link FerretStoreError}. */
export interface SpanReader {
  /** The database path. */
  readonly path: string;
  /** Every run, ordered by first start time ascending. */
  runs(): RunInfo[];
  /** The run that started last; undefined for an empty database. */
  latestRunId(): string | undefined;
  /**
   * Per-name statistics, sorted by `totalMs` descending. Streams the run's rows: memory grows
   * with distinct names, not rows. Run defaults to the latest; unknown runId → `UNKNOWN_RUN`;
   * empty database → `NO_RUNS`.
   */
  summary(options?: { runId?: string }): NameSummary[];
  /** The `limit` (default 5) slowest root spans with their whole trees, slowest first. */
  slowestTraces(options?: { runId?: string; limit?: number }): TraceTree[];
  /**
   * Spans ordered by start time. Run defaults to the latest, except that a `traceId` without a
   * `runId` is looked up in every run. Lazy: rows are read as the iterator advances.
   */
  spans(options?: { runId?: string; traceId?: string }): IterableIterator<SpanRecord>;
  /** Closes the connection. Idempotent. */
  close(): void;
}

const MAX_TRACE_LIMIT = 10_000;

/**
 * Opens a Ferret database for reading. The file is opened read-only after its header was
 * checked, and is never modified.
 * @throws FerretStoreError `NOT_FOUND`, `EMPTY_FILE`, `NOT_FERRET`, `NEWER_SCHEMA`, `CORRUPT`,
 *   `INVALID_ARGUMENT` (path not a non-empty string).
 */
export function openSpanReader(path: string): SpanReader {
  if (typeof path !== 'string' || path.length === 0) {
    throw new FerretStoreError('INVALID_ARGUMENT', 'Expected `path` to be a non-empty string');
  }
  inspectDatabaseFile(path, { mustExist: true });
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new FerretStoreError('CORRUPT', `${path}: cannot open (${describeError(error)})`, {
      cause: error,
    });
  }
  try {
    if (applicationIdOf(db) !== FERRET_APPLICATION_ID) {
      throw new FerretStoreError('NOT_FERRET', `${path} is not a Ferret span database`);
    }
    assertReadableVersion(path, schemaVersionOf(db));
    db.prepare('SELECT count(*) FROM runs').get();
  } catch (error) {
    db.close();
    if (error instanceof FerretStoreError) throw error;
    throw new FerretStoreError('CORRUPT', `${path}: cannot read (${describeError(error)})`, {
      cause: error,
    });
  }
  return new SqliteSpanReader(path, db);
}

interface RunRow {
  run_key: number;
  run_id: string;
  service_name: string | null;
  first_start: number | null;
  last_end: number | null;
  span_count: number;
}

/** What `summary()` reads of each span: name, duration, status, weight, is_root, truncated_children. */
type SummaryRow = [string, number, number, number, number, number | null];

/** The {@link SpanReader} over one better-sqlite3 read-only connection. */
class SqliteSpanReader implements SpanReader {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #runIds = new Map<number, string>();

  constructor(path: string, db: Database.Database) {
    this.path = path;
    this.#db = db;
  }

  runs(): RunInfo[] {
    return this.#guard(() => {
      const rows = this.#db
        .prepare('SELECT * FROM runs ORDER BY first_start ASC, run_key ASC')
        .all() as RunRow[];
      // Count records are few (names × flush intervals), so one grouped pass over them is cheap.
      const countsByRun = new Map<number, number>();
      const counted = this.#db
        .prepare('SELECT run_key, sum(calls) AS calls FROM counts GROUP BY run_key')
        .raw()
        .all() as [number, number][];
      for (const [runKey, calls] of counted) countsByRun.set(runKey, calls);
      return rows.map((row) => {
        const calls = countsByRun.get(row.run_key);
        if (calls !== undefined) return toRunInfo(row, calls, true);
        // No count records: only the stored roots and their weights say how many calls there were.
        const weight = this.#db
          .prepare(
            `SELECT coalesce(sum(weight), 0) FROM ${this.#runSource(row.run_key)}
             WHERE run_key = ? AND is_root = 1`,
          )
          .pluck()
          .get(row.run_key) as number;
        return toRunInfo(row, Math.round(weight), false);
      });
    });
  }

  latestRunId(): string | undefined {
    return this.#guard(() => this.#latestRun()?.run_id);
  }

  summary(options: { runId?: string } = {}): NameSummary[] {
    assertQueryOptions(options);
    return this.#guard(() => {
      const runKey = this.#resolveRun(options.runId);
      const byName = new Map<string, NameAccumulator>();
      let truncatedChildren = 0;
      const rows = this.#db
        .prepare(
          `SELECT name, duration, status, weight, is_root, truncated_children
           FROM ${this.#runSource(runKey)} WHERE run_key = ?`,
        )
        .raw()
        .iterate(runKey) as IterableIterator<SummaryRow>;
      for (const [name, duration, status, weight, isRoot, truncated] of rows) {
        let accumulator = byName.get(name);
        if (accumulator === undefined) {
          accumulator = new NameAccumulator(byName.size >= UNPACKED_NAMES);
          byName.set(name, accumulator);
        }
        accumulator.add(duration, status === 1, weight, isRoot === 1);
        if (truncated !== null) truncatedChildren += truncated;
      }
      const countsByName = new Map<string, CountTotals>();
      const run: CountTotals = { calls: 0, recorded: 0, dropped: 0 };
      const counts = this.#db
        .prepare(
          `SELECT name, sum(calls) AS calls, sum(recorded) AS recorded, sum(dropped) AS dropped
           FROM counts WHERE run_key = ? GROUP BY name`,
        )
        .all(runKey) as ({ name: string } & CountTotals)[];
      for (const { name, calls, recorded, dropped } of counts) {
        countsByName.set(name, { calls, recorded, dropped });
        run.calls += calls;
        run.recorded += recorded;
        run.dropped += dropped;
      }
      this.#scaleChildWeights(runKey, byName, countsByName);
      let storedRoots = 0;
      for (const a of byName.values()) storedRoots += a.rootSpans;
      // Spans of names the profiler does not count are exact only if the run provably lost
      // nothing: no root call was dropped by sampling, every admitted root reached the file
      // (children are lost with it in a queue), and no trace was cut by the per-trace cap.
      const runLostNothing =
        counts.length > 0 &&
        run.dropped === 0 &&
        storedRoots === run.recorded &&
        truncatedChildren === 0;

      const summaries: NameSummary[] = [];
      for (const [name, a] of byName) {
        summaries.push(toSummary(name, a, countsByName.get(name), runLostNothing));
        countsByName.delete(name);
        a.destroy();
      }
      // Counted names with no stored span (every call dropped, or lost) still get a line.
      for (const [name, totals] of countsByName) {
        if (totals.calls > 0) {
          summaries.push(toSummary(name, new NameAccumulator(true), totals, runLostNothing));
        }
      }
      return summaries.sort(
        (x, y) => y.totalMs - x.totalMs || y.calls - x.calls || (x.name < y.name ? -1 : 1),
      );
    });
  }

  slowestTraces(options: { runId?: string; limit?: number } = {}): TraceTree[] {
    assertQueryOptions(options);
    const limit = options.limit ?? 5;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_TRACE_LIMIT) {
      throw new FerretStoreError(
        'INVALID_ARGUMENT',
        `Expected \`limit\` to be a whole number from 1 to ${MAX_TRACE_LIMIT}, got ${String(limit)}`,
      );
    }
    return this.#guard(() => {
      const runKey = this.#resolveRun(options.runId);
      // ORDER BY … LIMIT runs as a top-N sort: SQLite keeps only `limit` candidates while it scans.
      const roots = this.#db
        .prepare(
          `SELECT span_id, trace_id FROM spans WHERE run_key = ? AND is_root = 1
           ORDER BY duration DESC, start_time ASC LIMIT ?`,
        )
        .raw()
        .all(runKey, limit) as [string, string][];
      if (roots.length === 0) return [];
      const traceIds = [...new Set(roots.map((r) => r[1]))];
      // Second pass over the run: only spans of the chosen traces are kept.
      const byTrace = new Map<string, SpanRecord[]>(traceIds.map((id) => [id, []]));
      const rows = this.#db
        .prepare(
          `SELECT ${SPAN_SELECT_COLUMNS} FROM ${this.#runSource(runKey)}
           WHERE run_key = ? AND trace_id IN (SELECT value FROM json_each(?))`,
        )
        .raw()
        .iterate(runKey, JSON.stringify(traceIds)) as IterableIterator<SpanRow>;
      for (const row of rows) byTrace.get(row[1])?.push(rowToSpan(row, this.#runIdOf));
      return roots.map(([spanId, traceId]) => buildTree(traceId, spanId, byTrace.get(traceId)!));
    });
  }

  spans(options: { runId?: string; traceId?: string } = {}): IterableIterator<SpanRecord> {
    assertQueryOptions(options);
    const { traceId } = options;
    if (traceId !== undefined && typeof traceId !== 'string') {
      throw new FerretStoreError(
        'INVALID_ARGUMENT',
        `Expected \`traceId\` to be a string, got ${typeof traceId}`,
      );
    }
    // Resolve the run now, so an unknown run fails at the call, not at the first next().
    const rows = this.#guard(() => {
      if (traceId !== undefined && options.runId === undefined) {
        return this.#db
          .prepare(
            `SELECT ${SPAN_SELECT_COLUMNS} FROM spans WHERE trace_id = ? ORDER BY start_time`,
          )
          .raw()
          .iterate(traceId);
      }
      const runKey = this.#resolveRun(options.runId);
      return traceId === undefined
        ? this.#db
            .prepare(
              `SELECT ${SPAN_SELECT_COLUMNS} FROM spans WHERE run_key = ? ORDER BY start_time`,
            )
            .raw()
            .iterate(runKey)
        : this.#db
            .prepare(
              `SELECT ${SPAN_SELECT_COLUMNS} FROM spans WHERE run_key = ? AND trace_id = ? ORDER BY start_time`,
            )
            .raw()
            .iterate(runKey, traceId);
    }) as IterableIterator<SpanRow>;
    return this.#mapRows(rows);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  toString(): string {
    return `SpanReader(path=${this.path})`;
  }

  *#mapRows(rows: IterableIterator<SpanRow>): IterableIterator<SpanRecord> {
    try {
      for (;;) {
        const next = this.#guard(() => rows.next());
        if (next.done) return;
        yield rowToSpan(next.value, this.#runIdOf);
      }
    } finally {
      rows.return?.();
    }
  }

  readonly #runIdOf = (runKey: number): string => {
    let runId = this.#runIds.get(runKey);
    if (runId === undefined) {
      for (const row of this.#db.prepare('SELECT run_key, run_id FROM runs').all() as RunRow[]) {
        this.#runIds.set(row.run_key, row.run_id);
      }
      runId = this.#runIds.get(runKey) ?? '';
    }
    return runId;
  };

  /**
   * How to read one run's rows in no particular order. The run index costs a table lookup per
   * row; when the run holds a large share of the table, one sequential scan is faster.
   */
  #runSource(runKey: number): string {
    const { share } = this.#db
      .prepare(
        'SELECT coalesce((SELECT span_count FROM runs WHERE run_key = ?) * 1.0 / nullif(sum(span_count), 0), 0) AS share FROM runs',
      )
      .get(runKey) as { share: number };
    return share >= 0.25 ? 'spans NOT INDEXED' : 'spans';
  }

  /**
   * A root's weight is the calls ÷ recorded ratio in force when it was admitted, so it lags a
   * change of traffic: the first roots of a burst carry weight 1, and Σ weight undercounts the
   * calls. For root names the count records give the exact calls, so each root name has a
   * correction factor (exact calls ÷ Σ root weights); a child span is scaled by the factor of its
   * trace's root name, and so is the extrapolated time (`estimatedTotalMs`). Only runs that
   * need it pay for the join (about 1.5 s per million spans here); children whose root is not
   * stored keep their weight.
   */
  #scaleChildWeights(
    runKey: number,
    byName: Map<string, NameAccumulator>,
    countsByName: Map<string, CountTotals>,
  ): void {
    const factors = new Map<string, number>();
    for (const [name, totals] of countsByName) {
      const rootWeight = byName.get(name)?.rootWeight ?? 0;
      if (rootWeight === 0) continue;
      const factor = totals.calls / rootWeight;
      if (Math.abs(factor - 1) > 1e-3) factors.set(name, factor);
    }
    if (factors.size === 0) return;
    // The roots of the names to correct go to an indexed temporary table (the temp database is
    // writable on a read-only connection and lives in SQLite's page cache and temp files, so
    // memory stays bounded); a join on the spans table itself would rescan the run per child.
    this.#db.exec('DROP TABLE IF EXISTS temp.ferret_roots');
    this.#db
      .prepare(
        `CREATE TEMP TABLE ferret_roots AS SELECT trace_id, name FROM spans
         WHERE run_key = ? AND is_root = 1 AND name IN (SELECT value FROM json_each(?))`,
      )
      .run(runKey, JSON.stringify([...factors.keys()]));
    let rows: [string, string, number, number][];
    try {
      this.#db.exec('CREATE INDEX temp.ferret_roots_by_trace ON ferret_roots (trace_id)');
      rows = this.#db
        .prepare(
          `SELECT c.name, r.name, sum(c.weight), sum(c.weight * c.duration)
           FROM spans c NOT INDEXED JOIN temp.ferret_roots r ON r.trace_id = c.trace_id
           WHERE c.run_key = ? AND c.is_root = 0 GROUP BY c.name, r.name`,
        )
        .raw()
        .all(runKey) as [string, string, number, number][];
    } finally {
      this.#db.exec('DROP TABLE IF EXISTS temp.ferret_roots');
    }
    for (const [child, root, weight, weightedMs] of rows) {
      const factor = factors.get(root);
      const accumulator = byName.get(child);
      if (factor !== undefined && accumulator !== undefined) {
        accumulator.childWeight += weight * (factor - 1);
        accumulator.weightedMs += weightedMs * (factor - 1);
      }
    }
    // Roots: their extrapolated time scales the same way (their calls come from the counts).
    for (const [name, factor] of factors) {
      const accumulator = byName.get(name)!;
      accumulator.weightedMs += accumulator.rootWeightedMs * (factor - 1);
    }
  }

  #latestRun(): RunRow | undefined {
    return this.#db
      .prepare('SELECT * FROM runs ORDER BY first_start DESC, run_key DESC LIMIT 1')
      .get() as RunRow | undefined;
  }

  #resolveRun(runId: string | undefined): number {
    if (runId === undefined) {
      const latest = this.#latestRun();
      if (latest === undefined) {
        throw new FerretStoreError('NO_RUNS', `${this.path} holds no runs yet`);
      }
      return latest.run_key;
    }
    const row = this.#db.prepare('SELECT run_key FROM runs WHERE run_id = ?').get(runId) as
      | { run_key: number }
      | undefined;
    if (row === undefined) {
      const known = this.#db
        .prepare('SELECT run_id FROM runs ORDER BY first_start DESC LIMIT 6')
        .pluck()
        .all() as string[];
      const list =
        known.length === 0
          ? 'it holds no runs'
          : `latest runs: ${known.slice(0, 5).join(', ')}${known.length > 5 ? ', …' : ''}`;
      throw new FerretStoreError('UNKNOWN_RUN', `${this.path} has no run "${runId}" (${list})`);
    }
    return row.run_key;
  }

  /** Turns SQLite failures into one-line FerretStoreErrors. */
  #guard<T>(work: () => T): T {
    if (!this.#db.open) {
      throw new FerretStoreError('INVALID_ARGUMENT', `${this.path}: the reader is closed`);
    }
    try {
      return work();
    } catch (error) {
      if (error instanceof FerretStoreError) throw error;
      if (error instanceof TypeError && /busy executing a query/.test(error.message)) {
        throw new FerretStoreError(
          'INVALID_ARGUMENT',
          `${this.path}: finish or break out of spans() before calling another reader method`,
          { cause: error },
        );
      }
      throw new FerretStoreError('CORRUPT', `${this.path}: cannot read (${describeError(error)})`, {
        cause: error,
      });
    }
  }
}

function assertQueryOptions(options: unknown): void {
  if (options === null || typeof options !== 'object') {
    throw new FerretStoreError(
      'INVALID_ARGUMENT',
      `Expected options to be an object, got ${options === null ? 'null' : typeof options}`,
    );
  }
  const { runId } = options as { runId?: unknown };
  if (runId !== undefined && (typeof runId !== 'string' || runId.length === 0)) {
    throw new FerretStoreError(
      'INVALID_ARGUMENT',
      `Expected \`runId\` to be a non-empty string, got ${typeof runId === 'string' ? 'an empty string' : typeof runId}`,
    );
  }
}

function toRunInfo(row: RunRow, rootCalls: number, callsExact: boolean): RunInfo {
  const info: RunInfo = {
    runId: row.run_id,
    firstStartTime: row.first_start ?? 0,
    lastEndTime: row.last_end ?? row.first_start ?? 0,
    spanCount: row.span_count,
    rootCalls,
    calls: rootCalls,
    callsExact,
  };
  if (row.service_name !== null) info.serviceName = row.service_name;
  return info;
}

/** One name's (or one run's) count records, summed. */
interface CountTotals {
  calls: number;
  recorded: number;
  dropped: number;
}

/**
 * Calls of one name: exact from its count records for its root calls, Σ weight (rounded) of
 * the stored spans the count records do not cover (children, uncounted roots).
 */
function toSummary(
  name: string,
  a: NameAccumulator,
  counts: CountTotals | undefined,
  runLostNothing: boolean,
): NameSummary {
  const recorded = a.recorded;
  let calls = 0;
  let callsExact = true;
  let estimatedSpans = recorded - a.rootSpans;
  let estimatedWeight = a.childWeight;
  if (counts === undefined) {
    estimatedSpans += a.rootSpans;
    estimatedWeight += a.rootWeight;
  } else if (a.rootSpans <= counts.recorded) {
    calls = counts.calls;
  } else {
    // More roots stored than the count records say were recorded: some count records were
    // lost, so their sum undercounts. The stored roots' weights give a floor.
    calls = Math.max(counts.calls, Math.round(a.rootWeight));
    callsExact = false;
  }
  if (estimatedSpans > 0) {
    calls += Math.round(estimatedWeight);
    callsExact &&= runLostNothing && a.weightedSpans === 0;
  }
  if (calls < recorded) {
    calls = recorded;
    callsExact = false;
  }
  return {
    name,
    calls,
    callsExact,
    recorded,
    dropped: calls - recorded,
    totalMs: a.totalMs,
    avgMs: recorded === 0 ? 0 : a.totalMs / recorded,
    minMs: recorded === 0 ? 0 : a.minMs,
    p50Ms: a.percentileMs(50),
    p95Ms: a.percentileMs(95),
    p99Ms: a.percentileMs(99),
    maxMs: recorded === 0 ? 0 : a.maxMs,
    errors: a.errors,
    errorRate: recorded === 0 ? 0 : a.errors / recorded,
    estimatedTotalMs: a.weightedMs,
  };
}

/** Links one trace's spans under `rootSpanId`; spans not descending from it are left out. */
function buildTree(traceId: string, rootSpanId: string, spans: readonly SpanRecord[]): TraceTree {
  const nodes = new Map<string, SpanNode>();
  for (const span of spans) nodes.set(span.spanId, { span, children: [] });
  const root = nodes.get(rootSpanId)!;
  for (const node of nodes.values()) {
    const parentId = node.span.parentSpanId;
    if (node === root || parentId === undefined) continue;
    nodes.get(parentId)?.children.push(node);
  }
  // Iterative walk: a deep trace must not overflow the stack.
  let spanCount = 0;
  const stack = [root];
  const seen = new Set<SpanNode>();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    spanCount++;
    node.children.sort((x, y) => x.span.startTime - y.span.startTime);
    for (const child of node.children) stack.push(child);
  }
  return { traceId, root, spanCount, durationMs: root.span.duration };
}
