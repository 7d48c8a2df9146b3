import { assertIntegerAtLeast, describe, MAX_TRACE_LIMIT } from '@ferret/internal';
import type { SpanRecord } from '@ferret/profiler';
import type Database from 'better-sqlite3';
import type { AnalyzeOptions, RunAnalysis, StackTree, StackTreeOptions } from './analysisTypes.js';
import {
  type CountTotals,
  RenamedRoots,
  rootEstimates,
  SAMPLED_NAME_COLUMN,
  scaleByRootName,
  toSummary,
} from './callEstimates.js';
import { childWeightsByWalk } from './childRootWeights.js';
import { FerretStoreError } from './FerretStoreError.js';
import { NameAccumulator, UNPACKED_NAMES } from './NameAccumulator.js';
import { openFailure } from './openErrors.js';
import { BUDGET, QueryBudget } from './QueryBudget.js';
import { ANALYZE_OPTION_KEYS, assertQueryOptions, STACK_TREE_OPTION_KEYS } from './queryOptions.js';
import type { ChildWeightsByRoot } from './RunProfileBuilder.js';
import type { NameSummary, RunInfo, SpanReader, TraceTree } from './readerTypes.js';
import { profileFromPass, profileLimits, readRunPass } from './readRunProfile.js';
import { assertRecentOptions, readRecentActivity } from './recentActivity.js';
import { readCountTotals } from './rootFactors.js';
import { COUNT_TOTALS_COLUMNS, RowChecker } from './rowChecks.js';
import { forEachRow, installRowSink } from './rowSink.js';
import { analyzeRun, resolveAnalyzeOptions } from './runAnalysis.js';
import { lookUpRunId } from './runLookup.js';
import { type RunMetadata, readRunMetadata } from './runMetadata.js';
import type { RecentActivity, RunProfile, RunProfileLimits } from './runProfileTypes.js';
import { rowToSpan, SPAN_SELECT_COLUMNS, type SpanRow } from './spanRow.js';
import { buildStackTree, DEFAULT_MAX_STACKS, MAX_STACKS } from './stackTree.js';
import { readStalls, type StallSummary } from './stallSummary.js';
import { buildTree } from './traceTree.js';

interface RunRow {
  run_key: number;
  run_id: string;
  service_name: string | null;
  first_start: number | null;
  last_end: number | null;
  span_count: number;
}

/** Recorded traces (count records) and those of them whose root is not in the file. */
interface LostTraces {
  recordedTraces: number;
  missingTraces: number;
}

const NO_LOSS: LostTraces = { recordedTraces: 0, missingTraces: 0 };

const RUN_COLUMNS = 'run_key, run_id, service_name, first_start, last_end, span_count';

/**
 * What `summary()` reads of each span: name, duration, status, weight, is_root,
 * truncated_children, and a root's `ferret.sampled_name`.
 */
type SummaryRow = [unknown, unknown, unknown, unknown, unknown, unknown, unknown];

/** The {@link SpanReader} over one better-sqlite3 read-only connection. */
export class SqliteSpanReader implements SpanReader {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #runIds = new Map<number, string>();
  readonly #check: RowChecker;
  readonly #onClose: (() => void) | undefined;
  readonly #budget: QueryBudget;

  /**
   * @param queryTimeoutMs - Bound on each reader call (checked, see `openSpanReader`).
   * @param onClose - Runs once after the connection closed (removes a private copy).
   */
  constructor(path: string, db: Database.Database, queryTimeoutMs: number, onClose?: () => void) {
    this.path = path;
    this.#db = db;
    this.#check = new RowChecker(path);
    this.#onClose = onClose;
    this.#budget = new QueryBudget(path, queryTimeoutMs);
    this.#budget.install(db);
    installRowSink(db);
  }

  runs(): RunInfo[] {
    return this.#guard(() => {
      const rows = (
        this.#db
          .prepare(
            `SELECT ${RUN_COLUMNS} FROM runs WHERE ${BUDGET} ORDER BY first_start ASC, run_key ASC`,
          )
          .all() as Record<keyof RunRow, unknown>[]
      ).map((row) => this.#runRow(row));
      // Count records are few (names × flush intervals), so one grouped pass over them is cheap.
      const countsByRun = new Map<number, number>();
      const counted = this.#db
        .prepare(
          `SELECT run_key, ${COUNT_TOTALS_COLUMNS} FROM counts WHERE ${BUDGET} GROUP BY run_key`,
        )
        .raw()
        .all() as unknown[][];
      for (const [runKey, calls, recorded, dropped, bad] of counted) {
        countsByRun.set(
          this.#check.integer(runKey, 'counts.run_key'),
          this.#check.countTotals(calls, recorded, dropped, bad).calls,
        );
      }
      const metadata = readRunMetadata(this.#db);
      let spanTotal = 0;
      for (const row of rows) spanTotal += row.span_count;
      const rootWeights = this.#rootWeightsOf(
        rows.filter((row) => !countsByRun.has(row.run_key)),
        spanTotal,
      );
      const lost = this.#lostTracesOf(
        rows.filter((row) => countsByRun.has(row.run_key)),
        spanTotal,
      );
      return rows.map((row) => {
        const calls = countsByRun.get(row.run_key);
        if (calls !== undefined) {
          return toRunInfo(
            row,
            calls,
            true,
            metadata.get(row.run_key),
            lost.get(row.run_key) ?? NO_LOSS,
          );
        }
        // No count records: only the stored roots and their weights say how many calls there were.
        return toRunInfo(
          row,
          Math.round(rootWeights.get(row.run_key) ?? 0),
          false,
          metadata.get(row.run_key),
          NO_LOSS,
        );
      });
    });
  }

  /**
   * Σ weight of the stored roots of each of `uncounted` (runs without count records; the file
   * holds `spanTotal` spans), in one
   * grouped statement: through the run index when those runs hold a small share of the spans,
   * else one sequential scan (the rule of {@link #runSource}). Runs without a stored root are
   * absent from the map.
   */
  #rootWeightsOf(uncounted: readonly RunRow[], spanTotal: number): Map<number, number> {
    const weights = new Map<number, number>();
    if (uncounted.length === 0) return weights;
    let uncountedSpans = 0;
    for (const row of uncounted) uncountedSpans += row.span_count;
    const rows = this.#db
      .prepare(
        `SELECT run_key, sum(weight), max(weight) FROM ${sourceForShare(uncountedSpans, spanTotal)}
         WHERE ${BUDGET} AND is_root = 1 AND run_key IN (SELECT value FROM json_each(?))
         GROUP BY run_key`,
      )
      .raw()
      .all(JSON.stringify(uncounted.map((row) => row.run_key))) as [unknown, unknown, unknown][];
    for (const [runKey, weight, largest] of rows) {
      this.#check.weight(largest, 'spans.weight');
      weights.set(
        this.#check.integer(runKey, 'spans.run_key'),
        this.#check.number(weight, 'spans.weight'),
      );
    }
    return weights;
  }

  latestRunId(): string | undefined {
    return this.#guard(() => this.#latestRun()?.run_id);
  }

  summary(options: { runId?: string } = {}): NameSummary[] {
    assertQueryOptions(options, 'summary', ['runId']);
    return this.#guard(() => {
      const runKey = this.#resolveRun(options.runId);
      const byName = new Map<string, NameAccumulator>();
      let truncatedChildren = 0;
      const renamed = new RenamedRoots();
      const check = this.#check;
      forEachRow<SummaryRow>(
        this.#db,
        {
          columns: `name, duration, status, weight, is_root, truncated_children, ${SAMPLED_NAME_COLUMN}`,
          from: this.#runSource(runKey),
          where: 'run_key = @runKey',
          params: { runKey },
        },
        (name, duration, status, weight, isRoot, truncated, sampledName) => {
          if (typeof name !== 'string') throw check.damaged('spans.name', name, 'text');
          let accumulator = byName.get(name);
          if (accumulator === undefined) {
            accumulator = new NameAccumulator(byName.size >= UNPACKED_NAMES);
            byName.set(name, accumulator);
          }
          accumulator.add(
            check.number(duration, 'spans.duration'),
            check.integer(status, 'spans.status') === 1,
            check.weight(weight, 'spans.weight'),
            check.integer(isRoot, 'spans.is_root') === 1,
          );
          if (truncated !== null)
            truncatedChildren += check.integer(truncated, 'spans.truncated_children');
          if (sampledName !== null) renamed.add(name, sampledName, weight as number);
        },
      );
      return this.#finishSummary(runKey, byName, truncatedChildren, renamed, undefined).rows;
    });
  }

  profile(options: { runId?: string; limits?: Partial<RunProfileLimits> } = {}): RunProfile {
    assertQueryOptions(options, 'profile', ['runId', 'limits']);
    const limits = profileLimits(options.limits);
    return this.#guard(() => {
      const runKey = this.#resolveRun(options.runId);
      // The run's row and count records now; its root calls without count records come from the
      // pass (Σ weight of the stored roots), which spares runs()' extra scan of the run.
      const row = this.#runRow(
        this.#db
          .prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE ${BUDGET} AND run_key = ?`)
          .get(runKey) as Record<keyof RunRow, unknown>,
      );
      const [calls, recorded, dropped, bad] = this.#db
        .prepare(`SELECT ${COUNT_TOTALS_COLUMNS} FROM counts WHERE ${BUDGET} AND run_key = ?`)
        .raw()
        .get(runKey) as unknown[];
      const countedCalls =
        calls === null ? undefined : this.#check.countTotals(calls, recorded, dropped, bad).calls;
      const metadata = readRunMetadata(this.#db).get(runKey);
      const pass = readRunPass(
        this.#db,
        runKey,
        this.#runSource(runKey),
        toRunInfo(row, 0, false, metadata, NO_LOSS),
        limits,
        this.#check,
      );
      let rootWeight = 0;
      for (const accumulator of pass.byName.values()) rootWeight += accumulator.rootWeight;
      const { rows, factors, lost } = this.#finishSummary(
        runKey,
        pass.byName,
        pass.truncatedChildren,
        pass.renamed,
        pass.finished.childWeightsByRoot,
      );
      const run = toRunInfo(
        row,
        countedCalls ?? Math.round(rootWeight),
        countedCalls !== undefined,
        metadata,
        lost,
      );
      return profileFromPass(run, rows, factors, pass, limits);
    });
  }

  recent(options: { runId?: string; windowMs?: number; windowEnd?: number } = {}): RecentActivity {
    assertQueryOptions(options, 'recent', ['runId', 'windowMs', 'windowEnd']);
    const { windowMs, windowEnd } = assertRecentOptions(options);
    return this.#guard(() => {
      const runKey = this.#resolveRun(options.runId);
      return readRecentActivity(
        this.#db,
        this.#check,
        runKey,
        this.#runIdOf(runKey),
        windowEnd,
        windowMs,
      );
    });
  }

  /**
   * {@link RootEstimates.missingTraces} and `recordedTraces` of each of `counted` (runs with count
   * records; the file holds `spanTotal` spans), from two grouped statements: the count records per
   * run and name, and the root spans per run, name and sampled name (through the run index when
   * those runs hold a small share of the spans, else one sequential scan). Memory grows with runs ×
   * root names, not spans.
   */
  #lostTracesOf(counted: readonly RunRow[], spanTotal: number): Map<number, LostTraces> {
    const lost = new Map<number, LostTraces>();
    if (counted.length === 0) return lost;
    let countedSpans = 0;
    for (const row of counted) countedSpans += row.span_count;
    const keys = JSON.stringify(counted.map((row) => row.run_key));
    const perRun = new Map<
      number,
      {
        counts: Map<string, CountTotals>;
        roots: Map<string, [number, number]>;
        renamed: RenamedRoots;
      }
    >();
    const runOf = (runKey: unknown, column: string) => {
      const key = this.#check.integer(runKey, column);
      let run = perRun.get(key);
      if (run === undefined) {
        run = { counts: new Map(), roots: new Map(), renamed: new RenamedRoots() };
        perRun.set(key, run);
      }
      return run;
    };
    const counts = this.#db
      .prepare(
        `SELECT run_key, name, sum(calls), sum(recorded), sum(dropped) FROM counts
         WHERE ${BUDGET} AND run_key IN (SELECT value FROM json_each(?)) GROUP BY run_key, name`,
      )
      .raw()
      .all(keys) as unknown[][];
    for (const [runKey, name, calls, recorded, dropped] of counts) {
      runOf(runKey, 'counts.run_key').counts.set(this.#check.text(name, 'counts.name'), {
        calls: this.#check.number(calls, 'counts.calls'),
        recorded: this.#check.number(recorded, 'counts.recorded'),
        dropped: this.#check.number(dropped, 'counts.dropped'),
      });
    }
    const roots = this.#db
      .prepare(
        `SELECT run_key, name, ${SAMPLED_NAME_COLUMN} AS sampled, sum(weight), count(*)
         FROM ${sourceForShare(countedSpans, spanTotal)}
         WHERE ${BUDGET} AND is_root = 1 AND run_key IN (SELECT value FROM json_each(?))
         GROUP BY run_key, name, sampled`,
      )
      .raw()
      .all(keys) as unknown[][];
    for (const [runKey, name, sampled, weight, spans] of roots) {
      const run = runOf(runKey, 'spans.run_key');
      const storedName = this.#check.text(name, 'spans.name');
      const w = this.#check.number(weight, 'spans.weight');
      const n = this.#check.integer(spans, 'spans');
      const total = run.roots.get(storedName);
      if (total === undefined) run.roots.set(storedName, [w, n]);
      else {
        total[0] += w;
        total[1] += n;
      }
      if (sampled !== null) run.renamed.addMany(storedName, sampled, w, n);
    }
    for (const [runKey, run] of perRun) {
      const { missingTraces, recordedTraces } = rootEstimates(
        run.counts,
        [...run.roots].map(([name, [w, n]]): [string, number, number] => [name, w, n]),
        run.renamed,
      );
      lost.set(runKey, { missingTraces, recordedTraces });
    }
    return lost;
  }

  /**
   * Summary rows from per-name accumulators: reads the run's count records, shares those of
   * renamed roots among the names they are stored under, scales the children by their local
   * root's factor (with `childWeightsByRoot` when the caller's own pass has them, else with a
   * walk over the run), and estimates the calls. Returns the rows, the root names' factors
   * (for the views that scale the same spans: the profile's stack tree) and the traces lost
   * after sampling.
   */
  #finishSummary(
    runKey: number,
    byName: Map<string, NameAccumulator>,
    truncatedChildren: number,
    renamed: RenamedRoots,
    childWeightsByRoot: ChildWeightsByRoot | undefined,
  ): { rows: NameSummary[]; factors: Map<string, number>; lost: LostTraces } {
    const run: CountTotals = { calls: 0, recorded: 0, dropped: 0 };
    const sampledCounts = readCountTotals(this.#db, runKey, this.#check);
    for (const { calls, recorded, dropped } of sampledCounts.values()) {
      run.calls += calls;
      run.recorded += recorded;
      run.dropped += dropped;
    }
    const estimates = rootEstimates(
      sampledCounts,
      [...byName].map(([name, a]): [string, number, number] => [name, a.rootWeight, a.rootSpans]),
      renamed,
    );
    const countsByName = estimates.counts;
    const { factors } = estimates;
    this.#scaleChildWeights(runKey, byName, factors, childWeightsByRoot);
    let storedRoots = 0;
    for (const a of byName.values()) storedRoots += a.rootSpans;
    // Spans of names the profiler does not count are exact only if the run provably lost
    // nothing: no root call was dropped by sampling, every admitted root reached the file
    // (children are lost with it in a queue), and no trace was cut by the per-trace cap.
    const runLostNothing =
      sampledCounts.size > 0 &&
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
    const rows = summaries.sort(
      (x, y) => y.totalMs - x.totalMs || y.calls - x.calls || (x.name < y.name ? -1 : 1),
    );
    const { missingTraces, recordedTraces } = estimates;
    return { rows, factors, lost: { missingTraces, recordedTraces } };
  }

  resolveRunId(spec: string): string {
    if (typeof spec !== 'string' || spec.length === 0) {
      throw new TypeError(`Expected \`spec\` to be a non-empty string, got ${describe(spec)}`);
    }
    return this.#guard(() => lookUpRunId(this.#db, this.path, spec));
  }

  analyze(options: AnalyzeOptions = {}): RunAnalysis {
    assertQueryOptions(options, 'analyze', ANALYZE_OPTION_KEYS);
    const resolved = resolveAnalyzeOptions(options);
    return this.#guard(() => {
      const runKey = this.#resolveRun(options.runId);
      const result = analyzeRun(this.#db, this.path, runKey, resolved);
      return { runId: this.#runIdOf(runKey), ...result };
    });
  }

  stackTree(options: StackTreeOptions = {}): StackTree {
    assertQueryOptions(options, 'stackTree', STACK_TREE_OPTION_KEYS);
    const maxStacks = options.maxStacks ?? DEFAULT_MAX_STACKS;
    assertIntegerAtLeast('maxStacks', maxStacks, 1);
    if (maxStacks > MAX_STACKS) {
      throw new RangeError(`Expected \`maxStacks\` to be at most ${MAX_STACKS}, got ${maxStacks}`);
    }
    return this.#guard(() => {
      const runKey = this.#resolveRun(options.runId);
      const tree = buildStackTree(this.#db, this.path, runKey, maxStacks);
      return { runId: this.#runIdOf(runKey), ...tree };
    });
  }

  stalls(options: { runId?: string } = {}): StallSummary[] {
    assertQueryOptions(options, 'stalls', ['runId']);
    return this.#guard(() => {
      const runKey = this.#resolveRun(options.runId);
      return readStalls(this.#db, this.#runSource(runKey), runKey, this.#check);
    });
  }

  slowestTraces(options: { runId?: string; limit?: number; name?: string } = {}): TraceTree[] {
    assertQueryOptions(options, 'slowestTraces', ['runId', 'limit', 'name']);
    const { name } = options;
    if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
      throw new TypeError(
        `Expected \`name\` to be a non-empty glob pattern, got ${describe(name)}`,
      );
    }
    const limit = options.limit ?? 5;
    assertIntegerAtLeast('limit', limit, 1);
    if (limit > MAX_TRACE_LIMIT) {
      throw new RangeError(`Expected \`limit\` to be at most ${MAX_TRACE_LIMIT}, got ${limit}`);
    }
    return this.#guard(() => {
      const runKey = this.#resolveRun(options.runId);
      // ORDER BY … LIMIT runs as a top-N sort: SQLite keeps only `limit` candidates while it scans.
      const roots = this.#db
        .prepare(
          `SELECT span_id, trace_id FROM spans WHERE ${BUDGET} AND run_key = ? AND is_root = 1
           AND (? IS NULL OR name GLOB ?) ORDER BY duration DESC, start_time ASC LIMIT ?`,
        )
        .raw()
        .all(runKey, name ?? null, name ?? null, limit) as [unknown, unknown][];
      if (roots.length === 0) return [];
      for (const [spanId, traceId] of roots) {
        this.#check.text(spanId, 'spans.span_id');
        this.#check.text(traceId, 'spans.trace_id');
      }
      const traceIds = [...new Set(roots.map((r) => r[1] as string))];
      // Second pass over the run: only spans of the chosen traces are kept.
      const byTrace = new Map<string, SpanRecord[]>(traceIds.map((id) => [id, []]));
      const rows = this.#db
        .prepare(
          `SELECT ${SPAN_SELECT_COLUMNS} FROM ${this.#runSource(runKey)}
           WHERE ${BUDGET} AND run_key = ? AND trace_id IN (SELECT value FROM json_each(?))`,
        )
        .raw()
        .iterate(runKey, JSON.stringify(traceIds)) as IterableIterator<SpanRow>;
      for (const row of rows) {
        byTrace.get(row[1] as string)?.push(rowToSpan(row, this.#runIdOf, this.#check));
      }
      return roots.map(([spanId, traceId]) =>
        buildTree(traceId as string, spanId as string, byTrace.get(traceId as string)!),
      );
    });
  }

  spans(options: { runId?: string; traceId?: string } = {}): IterableIterator<SpanRecord> {
    assertQueryOptions(options, 'spans', ['runId', 'traceId']);
    const { traceId } = options;
    if (traceId !== undefined && typeof traceId !== 'string') {
      throw new TypeError(`Expected \`traceId\` to be a string, got ${describe(traceId)}`);
    }
    // Resolve the run now, so an unknown run fails at the call, not at the first next().
    const rows = this.#guard(() => {
      if (traceId !== undefined && options.runId === undefined) {
        return this.#db
          .prepare(
            `SELECT ${SPAN_SELECT_COLUMNS} FROM spans WHERE ${BUDGET} AND trace_id = ? ORDER BY start_time`,
          )
          .raw()
          .iterate(traceId);
      }
      const runKey = this.#resolveRun(options.runId);
      return traceId === undefined
        ? this.#db
            .prepare(
              `SELECT ${SPAN_SELECT_COLUMNS} FROM spans WHERE ${BUDGET} AND run_key = ? ORDER BY start_time`,
            )
            .raw()
            .iterate(runKey)
        : this.#db
            .prepare(
              `SELECT ${SPAN_SELECT_COLUMNS} FROM spans WHERE ${BUDGET} AND run_key = ? AND trace_id = ? ORDER BY start_time`,
            )
            .raw()
            .iterate(runKey, traceId);
    }) as IterableIterator<SpanRow>;
    return this.#mapRows(rows);
  }

  close(): void {
    if (!this.#db.open) return;
    this.#db.close();
    this.#onClose?.();
  }

  /** e.g. `SpanReader{path="ferret.db", queryTimeoutMs=60000}`. */
  toString(): string {
    return `SpanReader{path=${JSON.stringify(this.path)}, queryTimeoutMs=${this.#budget.timeoutMs}}`;
  }

  *#mapRows(rows: IterableIterator<SpanRow>): IterableIterator<SpanRecord> {
    try {
      for (;;) {
        const next = this.#guard(() => rows.next());
        if (next.done) return;
        yield rowToSpan(next.value, this.#runIdOf, this.#check);
      }
    } finally {
      rows.return?.();
    }
  }

  readonly #runIdOf = (runKey: number): string => {
    let runId = this.#runIds.get(runKey);
    if (runId === undefined) {
      // Called lazily while spans are mapped, outside any other guard: guarded itself, so a
      // damaged runs table is the same one-line error naming the file as everywhere else.
      const rows = this.#guard(
        () =>
          this.#db
            .prepare(`SELECT run_key, run_id FROM runs WHERE ${BUDGET}`)
            .raw()
            .all() as unknown[][],
      );
      for (const [key, id] of rows) {
        this.#runIds.set(
          this.#check.integer(key, 'runs.run_key'),
          this.#check.text(id, 'runs.run_id'),
        );
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
    const [spans, total] = this.#db
      .prepare(
        `SELECT (SELECT span_count FROM runs WHERE run_key = ?), sum(span_count) FROM runs WHERE ${BUDGET}`,
      )
      .raw()
      .get(runKey) as [unknown, unknown];
    return sourceForShare(
      this.#check.numberOrNull(spans, 'runs.span_count') ?? 0,
      this.#check.numberOrNull(total, 'runs.span_count') ?? 0,
    );
  }

  /**
   * Applies the root names' factors ({@link rootEstimates}) to their children, from the pairs
   * the caller collected or else from a walk over the run in start order (the one `analyze()`
   * makes): a child is scaled by the factor of its own local root, the root its parent chain
   * leads to (a trace can have several, OpenTelemetry spans under remote parents). Only runs that
   * need it pay for the walk; children whose root is not stored keep their weight.
   */
  #scaleChildWeights(
    runKey: number,
    byName: Map<string, NameAccumulator>,
    factors: ReadonlyMap<string, number>,
    childWeightsByRoot: ChildWeightsByRoot | undefined,
  ): void {
    if (factors.size === 0) return;
    if (childWeightsByRoot !== undefined) {
      scaleByRootName(childWeightsByRoot, factors, byName);
      return;
    }
    scaleByRootName(childWeightsByWalk(this.#db, this.path, runKey, factors), factors, byName);
  }

  #latestRun(): RunRow | undefined {
    const row = this.#db
      .prepare(
        `SELECT ${RUN_COLUMNS} FROM runs WHERE ${BUDGET} ORDER BY first_start DESC, run_key DESC LIMIT 1`,
      )
      .get() as Record<keyof RunRow, unknown> | undefined;
    return row === undefined ? undefined : this.#runRow(row);
  }

  /** A row of `runs`, its types checked. */
  #runRow(row: Record<keyof RunRow, unknown>): RunRow {
    const check = this.#check;
    return {
      run_key: check.integer(row.run_key, 'runs.run_key'),
      run_id: check.text(row.run_id, 'runs.run_id'),
      service_name: check.textOrNull(row.service_name, 'runs.service_name'),
      first_start: check.numberOrNull(row.first_start, 'runs.first_start'),
      last_end: check.numberOrNull(row.last_end, 'runs.last_end'),
      span_count: check.integer(row.span_count, 'runs.span_count'),
    };
  }

  #resolveRun(runId: string | undefined): number {
    if (runId === undefined) {
      const latest = this.#latestRun();
      if (latest === undefined) {
        throw new FerretStoreError('NO_RUNS', `${this.path} holds no runs yet`);
      }
      return latest.run_key;
    }
    const row = this.#db
      .prepare(`SELECT run_key FROM runs WHERE ${BUDGET} AND run_id = ?`)
      .get(runId) as { run_key: unknown } | undefined;
    if (row === undefined) {
      const known = (
        this.#db
          .prepare(`SELECT run_id FROM runs WHERE ${BUDGET} ORDER BY first_start DESC LIMIT 6`)
          .pluck()
          .all() as unknown[]
      ).map((id) => this.#check.text(id, 'runs.run_id'));
      const list =
        known.length === 0
          ? 'it holds no runs'
          : `latest runs: ${known.slice(0, 5).join(', ')}${known.length > 5 ? ', …' : ''}`;
      throw new FerretStoreError('UNKNOWN_RUN', `${this.path} has no run "${runId}" (${list})`);
    }
    return this.#check.integer(row.run_key, 'runs.run_key');
  }

  /**
   * Turns SQLite failures into one-line FerretStoreErrors (`CORRUPT` only when SQLite reports the
   * file malformed); a closed or busy reader is a TypeError.
   */
  #guard<T>(work: () => T): T {
    if (!this.#db.open) {
      throw new TypeError(`${this.path}: the reader is closed`);
    }
    try {
      return this.#budget.run(work);
    } catch (error) {
      if (error instanceof FerretStoreError) throw error;
      if (error instanceof TypeError && /busy executing a query/.test(error.message)) {
        throw new TypeError(
          `${this.path}: finish or break out of spans() before calling another reader method`,
          { cause: error },
        );
      }
      throw openFailure(this.path, error, 'read');
    }
  }
}

/**
 * How to read rows of runs holding `spans` of the file's `total` spans: the run index costs a
 * table lookup per row, so from a quarter of the table on, one sequential scan is faster.
 */
function sourceForShare(spans: number, total: number): string {
  return total > 0 && spans / total >= 0.25 ? 'spans NOT INDEXED' : 'spans';
}

function toRunInfo(
  row: RunRow,
  rootCalls: number,
  callsExact: boolean,
  metadata: RunMetadata | undefined,
  lost: LostTraces,
): RunInfo {
  const info: RunInfo = {
    runId: row.run_id,
    firstStartTime: row.first_start ?? metadata?.startedAt ?? 0,
    lastEndTime: row.last_end ?? row.first_start ?? metadata?.endedAt ?? metadata?.startedAt ?? 0,
    spanCount: row.span_count,
    rootCalls,
    calls: rootCalls,
    callsExact,
    recordedTraces: lost.recordedTraces,
    missingTraces: lost.missingTraces,
  };
  if (row.service_name !== null) info.serviceName = row.service_name;
  if (metadata !== undefined) info.metadata = metadata;
  return info;
}
