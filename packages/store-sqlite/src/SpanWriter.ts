import { resolve } from 'node:path';
import { type FileIdentity, fileChange, fileIdentity, MAX_SAMPLING_WEIGHT } from '@ferret/internal';
import type { CountRecord, SpanEventRecord } from '@ferret/profiler';
import Database from 'better-sqlite3';
import { assertReadableVersion, createDatabaseFile, inspectDatabaseFile } from './databaseFile.js';
import { describeError, FerretStoreError } from './FerretStoreError.js';
import { openFailure } from './openErrors.js';
import { applicationIdOf, applyWriterPragmas, FERRET_APPLICATION_ID, migrate } from './schema.js';
import { AttributeJsonBuilder, idsOf, NUMBER_FIELDS, type SpanBatch } from './spanBatch.js';
import { eventsToJson, INSERT_SPAN_SQL } from './spanRow.js';

/** The outcome of one batch. */
export interface WriteOutcome {
  /** Rows committed. */
  written: number;
  /** Records refused because they were malformed (the rest of the batch is still committed). */
  rejected: number;
  /** Why the first refused record was refused. */
  problem?: string | undefined;
}

interface RunAggregate {
  firstStart: number;
  lastEnd: number;
  count: number;
  serviceName: string | null;
  runKey: number;
}

/** A span that passed validation, waiting for its run key. */
interface PendingRow {
  i: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  attributes: string | null;
  events: string | null;
}

const BUSY_RETRIES = 5;

/**
 * Owns one read-write connection and turns batches into rows, one `BEGIN IMMEDIATE` transaction
 * per batch. Runs inside the writer worker (or in-thread for `':memory:'`). Synchronous on
 * purpose: the worker has nothing else to do while SQLite works.
 */
export class SpanWriter {
  readonly #db: Database.Database;
  readonly #path: string;
  /** The file's identity when it was opened; undefined for `':memory:'`. */
  readonly #identity: FileIdentity | undefined;
  readonly #insertSpan: Database.Statement;
  readonly #upsertRunForSpans: Database.Statement;
  readonly #upsertRunForCounts: Database.Statement;
  readonly #insertCount: Database.Statement;
  readonly #writeSpans: Database.Transaction<(batch: SpanBatch, outcome: WriteOutcome) => void>;
  readonly #writeCounts: Database.Transaction<
    (counts: readonly CountRecord[], outcome: WriteOutcome) => void
  >;

  /**
   * Opens (creating when missing) the database at `path`, or an in-memory one for `':memory:'`.
   * @throws FerretStoreError when the file is not a Ferret database or has a newer schema; the
   *   file is left untouched in that case.
   */
  constructor(path: string, { busyTimeoutMs = 10_000 }: { busyTimeoutMs?: number } = {}) {
    this.#db = SpanWriter.#open(path, busyTimeoutMs);
    // Absolute, so a later process.chdir() does not change which file is checked.
    this.#path = path === ':memory:' ? path : resolve(path);
    if (path !== ':memory:') this.#identity = fileIdentity(path);
    const db = this.#db;
    this.#insertSpan = db.prepare(INSERT_SPAN_SQL);
    this.#upsertRunForSpans = db.prepare(`
      INSERT INTO runs (run_id, service_name, first_start, last_end, span_count) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (run_id) DO UPDATE SET
        service_name = coalesce(service_name, excluded.service_name),
        first_start = CASE WHEN span_count = 0 OR first_start IS NULL THEN excluded.first_start ELSE min(first_start, excluded.first_start) END,
        last_end = CASE WHEN span_count = 0 OR last_end IS NULL THEN excluded.last_end ELSE max(last_end, excluded.last_end) END,
        span_count = span_count + excluded.span_count
      RETURNING run_key`);
    // Count records only set a run's times when it has no spans yet, so a run whose every call
    // was dropped still has a place on the timeline.
    this.#upsertRunForCounts = db.prepare(`
      INSERT INTO runs (run_id, first_start, last_end, dropped) VALUES (?, ?, ?, ?)
      ON CONFLICT (run_id) DO UPDATE SET
        first_start = CASE WHEN span_count = 0 THEN min(coalesce(first_start, excluded.first_start), excluded.first_start) ELSE first_start END,
        last_end = CASE WHEN span_count = 0 THEN max(coalesce(last_end, excluded.last_end), excluded.last_end) ELSE last_end END,
        dropped = dropped + excluded.dropped
      RETURNING run_key`);
    this.#insertCount = db.prepare(
      'INSERT INTO counts (run_key, name, calls, recorded, dropped, interval_start, interval_end) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.#writeSpans = db.transaction((batch: SpanBatch, outcome: WriteOutcome) =>
      this.#insertSpans(batch, outcome),
    );
    this.#writeCounts = db.transaction((counts: readonly CountRecord[], outcome: WriteOutcome) =>
      this.#insertCounts(counts, outcome),
    );
  }

  /** The connection, for tests and for in-process readers of `':memory:'` stores. */
  get database(): Database.Database {
    return this.#db;
  }

  /**
   * Commits one batch of spans (packed by {@link encodeSpanBatch}) in one transaction. Malformed
   * records are skipped and counted; the rest of the batch is committed.
   */
  writeSpans(batch: SpanBatch): WriteOutcome {
    this.#assertSameFile();
    const outcome: WriteOutcome = { written: 0, rejected: 0 };
    this.#retryBusy(() => {
      outcome.written = 0;
      outcome.rejected = 0;
      outcome.problem = undefined;
      this.#writeSpans.immediate(batch, outcome);
    });
    return outcome;
  }

  /** Commits one batch of count records in one transaction. */
  writeCounts(counts: readonly CountRecord[]): WriteOutcome {
    this.#assertSameFile();
    const outcome: WriteOutcome = { written: 0, rejected: 0 };
    this.#retryBusy(() => {
      outcome.written = 0;
      outcome.rejected = 0;
      this.#writeCounts.immediate(counts, outcome);
    });
    return outcome;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  /**
   * Throws `FILE_REPLACED` when `path` no longer names the file this connection writes (deleted,
   * or replaced by another file): SQLite would go on committing into the unlinked inode, and
   * every span would be lost while counted as written. One `stat` per batch.
   */
  #assertSameFile(): void {
    const identity = this.#identity;
    if (identity === undefined) return;
    const change = fileChange(this.#path, identity);
    if (change === undefined) return;
    throw new FerretStoreError(
      'FILE_REPLACED',
      `${this.#path} was ${change === 'deleted' ? 'deleted' : 'replaced by another file'} while the store was writing it; nothing more is stored (a new store writes a new file)`,
    );
  }

  static #open(path: string, busyTimeoutMs: number): Database.Database {
    if (path === ':memory:') {
      const db = new Database(':memory:');
      migrate(db);
      return db;
    }
    if (inspectDatabaseFile(path).kind === 'missing') {
      try {
        createDatabaseFile(path);
      } catch (error) {
        throw openFailure(path, error, 'create');
      }
    }
    inspectDatabaseFile(path, { mustExist: true });
    let db: Database.Database;
    try {
      db = new Database(path, { fileMustExist: true });
    } catch (error) {
      throw openFailure(path, error, 'write to');
    }
    try {
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      if (applicationIdOf(db) !== FERRET_APPLICATION_ID) {
        throw new FerretStoreError('NOT_FERRET', `${path} is not a Ferret span database`);
      }
      applyWriterPragmas(db, busyTimeoutMs);
      assertReadableVersion(path, migrate(db));
      return db;
    } catch (error) {
      db.close();
      throw openFailure(path, error, 'write to');
    }
  }

  #retryBusy(work: () => void): void {
    for (let attempt = 0; ; attempt++) {
      try {
        work();
        return;
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        // busy_timeout already waited; a few more attempts cover a checkpoint holding the lock.
        if (code.startsWith('SQLITE_BUSY') && attempt < BUSY_RETRIES) continue;
        throw error;
      }
    }
  }

  #insertSpans(batch: SpanBatch, outcome: WriteOutcome): void {
    const { count, numbers, names, runIds, extras } = batch;
    const attributeJson = new AttributeJsonBuilder(batch);
    const aggregates = new Map<unknown, RunAggregate>();
    const rows: PendingRow[] = [];
    for (let i = 0; i < count; i++) {
      const n = i * NUMBER_FIELDS;
      const startTime = numbers[n]!;
      const duration = numbers[n + 1]!;
      const name = names[numbers[n + 7]!];
      const runId = runIds[numbers[n + 8]!];
      const [traceId, spanId, parentSpanId] = idsOf(batch, i);
      let problem = spanProblem(name, traceId, spanId, parentSpanId, runId, startTime, duration);
      let attributesText: string | null = null;
      let eventsText: string | null = null;
      try {
        // Always advance the builder, so the next span reads its own attributes.
        attributesText = attributeJson.next(i);
        if (problem === undefined) {
          eventsText = eventsToJson(extras?.[i]?.events as SpanEventRecord[] | undefined);
        }
      } catch (error) {
        // A BigInt or a cycle in attributes: this span only is refused.
        problem ??= `span "${name as string}": attributes are not serialisable (${describeError(error)})`;
      }
      if (problem !== undefined) {
        outcome.rejected++;
        outcome.problem ??= problem;
        continue;
      }
      rows.push({
        i,
        traceId: traceId as string,
        spanId: spanId as string,
        parentSpanId: (parentSpanId as string | null | undefined) ?? null,
        attributes: attributesText,
        events: eventsText,
      });
      const end = startTime + duration;
      const serviceName = extras?.[i]?.serviceName;
      const aggregate = aggregates.get(runId);
      if (aggregate === undefined) {
        aggregates.set(runId, {
          firstStart: startTime,
          lastEnd: end,
          count: 1,
          serviceName: typeof serviceName === 'string' ? serviceName : null,
          runKey: 0,
        });
      } else {
        if (startTime < aggregate.firstStart) aggregate.firstStart = startTime;
        if (end > aggregate.lastEnd) aggregate.lastEnd = end;
        aggregate.count++;
        if (aggregate.serviceName === null && typeof serviceName === 'string') {
          aggregate.serviceName = serviceName;
        }
      }
    }
    for (const [runId, a] of aggregates) {
      const row = this.#upsertRunForSpans.get(
        runId,
        a.serviceName,
        a.firstStart,
        a.lastEnd,
        a.count,
      ) as { run_key: number };
      a.runKey = row.run_key;
    }
    const insert = this.#insertSpan;
    for (const row of rows) {
      const n = row.i * NUMBER_FIELDS;
      const extra = extras?.[row.i];
      const weight = numbers[n + 2]!;
      const pid = numbers[n + 3]!;
      const threadId = numbers[n + 4]!;
      const truncated = numbers[n + 6]!;
      insert.run(
        aggregates.get(runIds[numbers[n + 8]!])!.runKey,
        row.traceId,
        row.spanId,
        row.parentSpanId,
        row.parentSpanId === null || extra?.parentIsRemote === true ? 1 : 0,
        names[numbers[n + 7]!],
        numbers[n],
        numbers[n + 1],
        numbers[n + 5],
        row.attributes,
        row.events,
        typeof extra?.kind === 'string' ? extra.kind : null,
        typeof extra?.serviceName === 'string' ? extra.serviceName : null,
        Number.isFinite(weight) ? Math.min(Math.max(weight, 1), MAX_SAMPLING_WEIGHT) : 1,
        Number.isInteger(truncated) ? truncated : null,
        Number.isInteger(pid) ? pid : 0,
        Number.isInteger(threadId) ? threadId : 0,
      );
      outcome.written++;
    }
  }

  /**
   * Validates the batch's count records, then writes each run's row once (earliest start, latest
   * end and summed drops of its records: what one upsert per record would leave), then the
   * counts under their run keys.
   */
  #insertCounts(counts: readonly CountRecord[], outcome: WriteOutcome): void {
    const runs = new Map<string, { first: number; last: number; dropped: number; key: number }>();
    const valid: CountRecord[] = [];
    for (const c of counts) {
      if (
        c === null ||
        typeof c !== 'object' ||
        typeof c.name !== 'string' ||
        typeof c.runId !== 'string' ||
        !isCount(c.calls) ||
        !isCount(c.recorded) ||
        !isCount(c.dropped) ||
        !Number.isFinite(c.intervalStart) ||
        !Number.isFinite(c.intervalEnd)
      ) {
        outcome.rejected++;
        outcome.problem ??= 'count record with a missing or non-numeric field';
        continue;
      }
      valid.push(c);
      const run = runs.get(c.runId);
      if (run === undefined) {
        runs.set(c.runId, {
          first: c.intervalStart,
          last: c.intervalEnd,
          dropped: c.dropped,
          key: 0,
        });
      } else {
        if (c.intervalStart < run.first) run.first = c.intervalStart;
        if (c.intervalEnd > run.last) run.last = c.intervalEnd;
        run.dropped += c.dropped;
      }
    }
    for (const [runId, run] of runs) {
      const row = this.#upsertRunForCounts.get(runId, run.first, run.last, run.dropped) as {
        run_key: number;
      };
      run.key = row.run_key;
    }
    const insert = this.#insertCount;
    for (const c of valid) {
      insert.run(
        runs.get(c.runId)!.key,
        c.name,
        c.calls,
        c.recorded,
        c.dropped,
        c.intervalStart,
        c.intervalEnd,
      );
      outcome.written++;
    }
  }
}

function isCount(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** Why a span cannot be stored, or undefined when it can. Cheap: runs for every span. */
function spanProblem(
  name: unknown,
  traceId: unknown,
  spanId: unknown,
  parentSpanId: unknown,
  runId: unknown,
  startTime: number,
  duration: number,
): string | undefined {
  if (typeof name !== 'string') return 'a span without a string name';
  if (typeof traceId !== 'string' || typeof spanId !== 'string') {
    return `span "${name}" without string traceId/spanId`;
  }
  if (typeof runId !== 'string') return `span "${name}" without a string runId`;
  if (!Number.isFinite(startTime) || !Number.isFinite(duration)) {
    return `span "${name}" with a non-finite startTime or duration`;
  }
  if (parentSpanId != null && typeof parentSpanId !== 'string') {
    return `span "${name}" with a non-string parentSpanId`;
  }
  return undefined;
}
