import { reportError, WarnOnce } from '@ferret/internal';
import type { CountRecord, SpanRecord, SpanSink } from '@ferret/profiler';
import { inspectDatabaseFile } from './databaseFile.js';
import { describeError, FerretStoreError } from './FerretStoreError.js';
import { SpanWriter, type WriteOutcome } from './SpanWriter.js';
import { resolveStoreOptions, type SqliteSpanStoreOptions } from './SqliteSpanStoreOptions.js';
import { encodeSpanBatch, type SpanBatch } from './spanBatch.js';
import { type RecordKind, WriterThread } from './WriterThread.js';

/** Counters of a {@link SqliteSpanStore}, all since construction. */
export interface SpanStoreStats {
  /** Spans committed to the database. */
  spansWritten: number;
  /** Count records committed. */
  countsWritten: number;
  /** Malformed records refused (the rest of their batch was committed). */
  rejected: number;
  /** Records lost: queue full, store closed, unclonable batch or failed transaction. */
  dropped: number;
  /** Spans handed to the worker and not yet committed. */
  pendingSpans: number;
  /**
   * Spans committed (the profiler's `SinkStats.storedSpans`): the same figure as `spansWritten`,
   * under the name every sink reports it by.
   */
  storedSpans: number;
  /**
   * Spans accepted by `write()` and lost afterwards: dropped (queue full, store closed, failed
   * transaction, file deleted) or refused as malformed. Count records are not included (see
   * `dropped`). With `storedSpans` and `pendingSpans`, every span handed over is accounted for.
   */
  lostSpans: number;
}

/**
 * A {@link SpanSink} that stores spans and count records in a SQLite file (better-sqlite3, WAL,
 * `synchronous=NORMAL`, one transaction per batch). For a file, a worker thread owns the
 * connection: `write()` only posts the batch, and serialisation (attributes to JSON) and disk work
 * happen off the host's event loop. Several processes may write one file at once.
 *
 * `write()`, `writeCounts()`, `flush()` and `close()` never throw or reject: failures are counted
 * in {@link SqliteSpanStore.stats | stats()} and reported through `onError`.
 *
 * @example
 * ```ts
 * const store = new SqliteSpanStore({ path: 'ferret.db' });
 * store.write(spans);
 * await store.close(); // everything handed over is committed
 * ```
 */
export class SqliteSpanStore implements SpanSink {
  // This class checks and encodes what it is handed and keeps the counts; the writing is done by
  // a `SpanWriter` on this thread (`worker: false`) or by the `WriterThread`'s worker.
  /** The database path this store writes. */
  readonly path: string;
  readonly #onError: ((error: FerretStoreError) => void) | undefined;
  readonly #maxPendingSpans: number;
  readonly #busyTimeoutMs: number;
  readonly #exitFlushTimeoutMs: number;
  readonly #inThread: SpanWriter | undefined;
  readonly #thread: WriterThread | undefined;
  #fileReplacedReported = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #stats = {
    spansWritten: 0,
    countsWritten: 0,
    rejected: 0,
    dropped: 0,
    storedSpans: 0,
    lostSpans: 0,
  };

  /**
   * @throws TypeError/RangeError for invalid options.
   * @throws FerretStoreError when `path` names an existing file that is not a Ferret database
   *   (empty, not SQLite, another application's SQLite file, or a newer schema). The file is not
   *   modified.
   */
  constructor(options: SqliteSpanStoreOptions) {
    const o = resolveStoreOptions(options);
    const { path, busyTimeoutMs } = o;
    this.path = path;
    this.#onError = o.onError;
    this.#busyTimeoutMs = busyTimeoutMs;
    this.#maxPendingSpans = o.maxPendingSpans;
    this.#exitFlushTimeoutMs = o.exitFlushTimeoutMs;

    if (!o.worker) {
      this.#inThread = new SpanWriter(path, { busyTimeoutMs });
      return;
    }
    // Refuse a bad file here, synchronously, with the file untouched; the worker creates a
    // missing file (atomically) and opens it.
    inspectDatabaseFile(path);
    this.#thread = new WriterThread({
      path,
      busyTimeoutMs,
      maxPendingSpans: o.maxPendingSpans,
      exitFlushTimeoutMs: o.exitFlushTimeoutMs,
      account: (kind, records, outcome) => this.#account(kind, records, outcome),
      lost: (kind, records, failure, code) => this.#lost(kind, records, failure, code),
      drop: (kind, records) => this.#drop(kind, records),
      report: (code, message, cause) => this.#report(code, message, cause),
    });
  }

  /** A snapshot of the counters since construction. */
  stats(): SpanStoreStats {
    return { ...this.#stats, pendingSpans: this.#thread?.pendingSpans ?? 0 };
  }

  /** Hands a batch over for storage. Returns at once; never throws. */
  write(spans: readonly SpanRecord[]): void {
    this.#hand('spans', spans);
  }

  /** Hands per-name call counts over for storage. Returns at once; never throws. */
  writeCounts(counts: readonly CountRecord[]): void {
    this.#hand('counts', counts);
  }

  /** Resolves once everything handed over before the call is committed (or reported lost). Never rejects. */
  flush(): Promise<void> {
    return this.#thread?.flush() ?? Promise.resolve();
  }

  /**
   * Blocks the calling thread until everything handed over so far (spans and count records) is
   * committed or reported lost, or `exitFlushTimeoutMs` passes (reported as `WRITE_FAILED`).
   * On return, {@link SqliteSpanStore.stats | stats()} includes those commits. Meant for process `exit`,
   * where nothing asynchronous runs any more: the profiler calls it from its `exit` hook after
   * handing over its queue and counts, and the store's own `exit` hook calls it too, so whichever
   * runs last waits for the whole hand-off. Never throws; a no-op for an in-thread store
   * (`worker: false`), whose writes are already synchronous.
   */
  flushSync(): void {
    this.#thread?.flushSync();
  }

  /** Commits everything handed over, then closes the database. Idempotent; never rejects. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    if (this.#inThread !== undefined) {
      try {
        this.#inThread.close();
      } catch (error) {
        this.#report('WRITE_FAILED', `${this.path}: close failed (${describeError(error)})`, error);
      }
      this.#closing = Promise.resolve();
      return this.#closing;
    }
    this.#closing = this.#thread!.close();
    return this.#closing;
  }

  /**
   * e.g. `SqliteSpanStore{path="ferret.db", worker=true, busyTimeoutMs=10000,
   * maxPendingSpans=200000, exitFlushTimeoutMs=5000}`.
   */
  toString(): string {
    return `SqliteSpanStore{path=${JSON.stringify(this.path)}, worker=${this.#thread !== undefined}, busyTimeoutMs=${this.#busyTimeoutMs}, maxPendingSpans=${this.#maxPendingSpans}, exitFlushTimeoutMs=${this.#exitFlushTimeoutMs}}`;
  }

  #hand(kind: RecordKind, records: readonly SpanRecord[] | readonly CountRecord[]): void {
    if (!Array.isArray(records)) {
      this.#report(
        'INVALID_ARGUMENT',
        `Expected \`${kind}\` to be an array, got ${typeof records}`,
      );
      return;
    }
    if (records.length === 0) return;
    if (this.#closed || this.#thread?.gone === true) {
      this.#drop(kind, records.length);
      this.#report('DROPPED', `${this.path}: store is closed; dropped ${records.length} ${kind}`);
      return;
    }
    let batch: SpanBatch | undefined;
    if (kind === 'spans') {
      try {
        batch = encodeSpanBatch(records as readonly SpanRecord[]);
      } catch (error) {
        this.#drop(kind, records.length);
        this.#report(
          'DROPPED',
          `${this.path}: cannot read a batch of spans (${describeError(error)})`,
          error,
        );
        return;
      }
    }
    if (this.#inThread === undefined) {
      this.#thread!.send(kind, records, batch);
      return;
    }
    try {
      const outcome =
        batch !== undefined
          ? this.#inThread.writeSpans(batch)
          : this.#inThread.writeCounts(records as readonly CountRecord[]);
      this.#account(kind, records.length, outcome);
    } catch (error) {
      this.#lost(
        kind,
        records.length,
        describeError(error),
        error instanceof FerretStoreError ? error.code : undefined,
      );
    }
  }

  /**
   * Counts a batch the writer could not commit and reports it; a file deleted or replaced under
   * the store (`FILE_REPLACED`) fails every later batch too, and is reported once.
   */
  #lost(kind: RecordKind, records: number, failure: string, code?: string): void {
    this.#drop(kind, records);
    if (code === 'FILE_REPLACED') {
      if (this.#fileReplacedReported) return;
      this.#fileReplacedReported = true;
      this.#report('FILE_REPLACED', `${failure}; lost ${records} ${kind}, and every later batch`);
      return;
    }
    this.#report('WRITE_FAILED', `${this.path}: lost ${records} ${kind} (${failure})`);
  }

  /** Counts records lost after `write()`/`writeCounts()` accepted them. */
  #drop(kind: RecordKind, records: number): void {
    this.#stats.dropped += records;
    if (kind === 'spans') this.#stats.lostSpans += records;
  }

  #account(kind: RecordKind, records: number, outcome: WriteOutcome): void {
    if (kind === 'spans') {
      this.#stats.spansWritten += outcome.written;
      this.#stats.storedSpans += outcome.written;
    } else this.#stats.countsWritten += outcome.written;
    if (outcome.rejected > 0) {
      this.#stats.rejected += outcome.rejected;
      if (kind === 'spans') this.#stats.lostSpans += outcome.rejected;
      this.#report(
        'INVALID_ARGUMENT',
        `${this.path}: refused ${outcome.rejected} of ${records} ${kind}: ${outcome.problem ?? 'malformed record'}`,
      );
    }
  }

  #report(code: FerretStoreError['code'], message: string, cause?: unknown): void {
    const error = new FerretStoreError(code, message, cause === undefined ? undefined : { cause });
    reportError(error, this.#onError, storeWarnings, code, `FERRET_STORE_${code}`);
  }
}

/** Without an `onError`: one warning per error code per process, for all stores. */
const storeWarnings = new WarnOnce();
