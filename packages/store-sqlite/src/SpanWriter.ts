import type { CountRecord, SpanRecord } from '@ferret/profiler';
import Database from 'better-sqlite3';
import {
  assertReadableVersion,
  createDatabaseFile,
  describeError,
  inspectDatabaseFile,
} from './databaseFile.js';
import { FerretStoreError } from './FerretStoreError.js';
import { applicationIdOf, applyWriterPragmas, FERRET_APPLICATION_ID, migrate } from './schema.js';
import {
  attributesToJson,
  eventsToJson,
  INSERT_SPAN_SQL,
  type StoredSpanRecord,
} from './spanRow.js';

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
}

const BUSY_RETRIES = 5;

/**
 * Owns one read-write connection and turns batches into rows, one `BEGIN IMMEDIATE` transaction
 * per batch. Runs inside the writer worker (or in-thread for `':memory:'`). Synchronous on
 * purpose: the worker has nothing else to do while SQLite works.
 */
export class SpanWriter {
  readonly #db: Database.Database;
  readonly #insertSpan: Database.Statement;
  readonly #upsertRunForSpans: Database.Statement;
  readonly #upsertRunForCounts: Database.Statement;
  readonly #insertCount: Database.Statement;
  readonly #writeSpans: Database.Transaction<
    (spans: readonly SpanRecord[], outcome: WriteOutcome) => void
  >;
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
    this.#writeSpans = db.transaction((spans: readonly SpanRecord[], outcome: WriteOutcome) =>
      this.#insertSpans(spans, outcome),
    );
    this.#writeCounts = db.transaction((counts: readonly CountRecord[], outcome: WriteOutcome) =>
      this.#insertCounts(counts, outcome),
    );
  }

  /** The connection, for tests and for in-process readers of `':memory:'` stores. */
  get database(): Database.Database {
    return this.#db;
  }

  /** Commits one batch of spans in one transaction. Malformed records are skipped and counted. */
  writeSpans(spans: readonly SpanRecord[]): WriteOutcome {
    const outcome: WriteOutcome = { written: 0, rejected: 0 };
    this.#retryBusy(() => {
      outcome.written = 0;
      outcome.rejected = 0;
      this.#writeSpans.immediate(spans, outcome);
    });
    return outcome;
  }

  /** Commits one batch of count records in one transaction. */
  writeCounts(counts: readonly CountRecord[]): WriteOutcome {
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

  static #open(path: string, busyTimeoutMs: number): Database.Database {
    if (path === ':memory:') {
      const db = new Database(':memory:');
      migrate(db);
      return db;
    }
    if (inspectDatabaseFile(path).kind === 'missing') createDatabaseFile(path);
    inspectDatabaseFile(path, { mustExist: true });
    const db = new Database(path, { fileMustExist: true });
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
      if (error instanceof FerretStoreError) throw error;
      throw new FerretStoreError('CORRUPT', `${path}: cannot open (${describeError(error)})`, {
        cause: error,
      });
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

  #insertSpans(spans: readonly SpanRecord[], outcome: WriteOutcome): void {
    const aggregates = new Map<string, RunAggregate>();
    const valid: SpanRecord[] = [];
    const attributeJson: (string | null)[] = [];
    const eventJson: (string | null)[] = [];
    for (const span of spans) {
      let problem = spanProblem(span);
      if (problem === undefined) {
        try {
          attributeJson.push(attributesToJson(span.attributes));
          eventJson.push(eventsToJson(span.events));
        } catch (error) {
          // A BigInt or a cycle in attributes: this span only is refused.
          attributeJson.length = eventJson.length = valid.length;
          problem = `span "${span.name}": attributes are not serialisable (${describeError(error)})`;
        }
      }
      if (problem !== undefined) {
        outcome.rejected++;
        outcome.problem ??= problem;
        continue;
      }
      valid.push(span);
      const end = span.startTime + span.duration;
      const aggregate = aggregates.get(span.runId);
      if (aggregate === undefined) {
        aggregates.set(span.runId, {
          firstStart: span.startTime,
          lastEnd: end,
          count: 1,
          serviceName: span.serviceName ?? null,
        });
      } else {
        if (span.startTime < aggregate.firstStart) aggregate.firstStart = span.startTime;
        if (end > aggregate.lastEnd) aggregate.lastEnd = end;
        aggregate.count++;
        aggregate.serviceName ??= span.serviceName ?? null;
      }
    }
    const keys = new Map<string, number>();
    for (const [runId, a] of aggregates) {
      const row = this.#upsertRunForSpans.get(
        runId,
        a.serviceName,
        a.firstStart,
        a.lastEnd,
        a.count,
      ) as { run_key: number };
      keys.set(runId, row.run_key);
    }
    const insert = this.#insertSpan;
    for (let i = 0; i < valid.length; i++) {
      const span = valid[i]!;
      const remote = (span as StoredSpanRecord).parentIsRemote === true;
      insert.run(
        keys.get(span.runId)!,
        span.traceId,
        span.spanId,
        span.parentSpanId ?? null,
        span.parentSpanId == null || remote ? 1 : 0,
        span.name,
        span.startTime,
        span.duration,
        span.status === 'error' ? 1 : 0,
        attributeJson[i] ?? null,
        eventJson[i] ?? null,
        span.kind ?? null,
        span.serviceName ?? null,
        typeof span.weight === 'number' && span.weight >= 1 ? span.weight : 1,
        span.truncatedChildren ?? null,
        Number.isInteger(span.pid) ? span.pid : 0,
        Number.isInteger(span.threadId) ? span.threadId : 0,
      );
      outcome.written++;
    }
  }

  #insertCounts(counts: readonly CountRecord[], outcome: WriteOutcome): void {
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
      const row = this.#upsertRunForCounts.get(
        c.runId,
        c.intervalStart,
        c.intervalEnd,
        c.dropped,
      ) as {
        run_key: number;
      };
      this.#insertCount.run(
        row.run_key,
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

/** Why a record cannot be stored, or undefined when it can. Cheap: runs for every span. */
function spanProblem(span: SpanRecord): string | undefined {
  if (span === null || typeof span !== 'object') return 'a span that is not an object';
  if (typeof span.name !== 'string') return 'a span without a string name';
  if (typeof span.traceId !== 'string' || typeof span.spanId !== 'string') {
    return `span "${span.name}" without string traceId/spanId`;
  }
  if (typeof span.runId !== 'string') return `span "${span.name}" without a string runId`;
  if (!Number.isFinite(span.startTime) || !Number.isFinite(span.duration)) {
    return `span "${span.name}" with a non-finite startTime or duration`;
  }
  if (span.parentSpanId != null && typeof span.parentSpanId !== 'string') {
    return `span "${span.name}" with a non-string parentSpanId`;
  }
  return undefined;
}
