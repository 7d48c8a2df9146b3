import { existsSync } from 'node:fs';
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
} from 'node:worker_threads';
import {
  assertBoolean,
  assertFunction,
  assertOptionsObject,
  assertPositiveInteger,
  ProcessExitRegistry,
  reportError,
  WarnOnce,
} from '@ferret/internal';
import type { CountRecord, SpanRecord, SpanSink } from '@ferret/profiler';
import { inspectDatabaseFile } from './databaseFile.js';
import { describeError, FerretStoreError } from './FerretStoreError.js';
import { SpanWriter, type WriteOutcome } from './SpanWriter.js';
import { encodeSpanBatch, type SpanBatch } from './spanBatch.js';
import {
  type FromWriter,
  HANDLED_SEQ,
  type ToWriter,
  type WriterWorkerData,
} from './writerProtocol.js';

/** Options for {@link SqliteSpanStore}. */
export interface SqliteSpanStoreOptions {
  /** Database file, created when missing; `':memory:'` for a private in-memory database. Required. */
  path: string;
  /**
   * Called with every write-side failure (a refused record, a failed transaction, a dropped
   * batch). Default: one `process.emitWarning` per error code. Errors never reach `write()`'s caller.
   */
  onError?: (error: FerretStoreError) => void;
  /** Write in a worker thread (true) or on the calling thread (false). Default: true for files, false for `':memory:'`. */
  worker?: boolean;
  /** How long a writer waits for another process's write lock (`PRAGMA busy_timeout`). Default 10000. */
  busyTimeoutMs?: number;
  /**
   * Most spans handed to the worker and not yet committed. Beyond it, new batches are dropped
   * (counted, reported) instead of queueing without bound. Default 200000.
   */
  maxPendingSpans?: number;
  /** Longest wait at process exit for the worker to commit what it was handed. Default 5000. */
  exitFlushTimeoutMs?: number;
}

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

interface Waiter {
  seq: number;
  resolve: () => void;
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
  /** The database path this store writes. */
  readonly path: string;
  readonly #onError: ((error: FerretStoreError) => void) | undefined;
  readonly #maxPendingSpans: number;
  readonly #exitFlushTimeoutMs: number;
  /** The worker's progress when a `flushSync()` wait last ran out; undefined once it moves. */
  #stalledAt: number | undefined;
  readonly #busyTimeoutMs: number;
  readonly #inThread: SpanWriter | undefined;
  readonly #worker: Worker | undefined;
  readonly #progress: Int32Array | undefined;
  /** The worker's replies. A port of our own (not `parentPort`) so that `flushSync()` can read them synchronously. */
  readonly #replies: MessagePort | undefined;
  readonly #pendingByBatch = new Map<number, number>();
  readonly #waiters: Waiter[] = [];
  /** What the exit registry holds (weakly): alive exactly as long as this store. */
  readonly #exitFlush = {
    flushBeforeExit: () => this.#flushBeforeExit(),
    flushAtExit: () => this.flushSync(),
  };
  #beforeExitWaiter: Waiter | undefined;
  #beforeExitGaveUp = false;
  #seq = 0;
  #handledSeq = 0;
  #pendingSpans = 0;
  #workerGone = false;
  #fileReplacedReported = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;
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
    assertOptionsObject('options', options);
    if (options === undefined)
      throw new TypeError('Expected `options` to be an object, got undefined');
    const { path } = options;
    if (typeof path !== 'string' || path.length === 0) {
      throw new TypeError(
        `Expected \`path\` to be a non-empty string, got ${typeof path === 'string' ? 'an empty string' : typeof path}`,
      );
    }
    const {
      onError,
      busyTimeoutMs = 10_000,
      maxPendingSpans = 200_000,
      exitFlushTimeoutMs = 5_000,
    } = options;
    if (onError !== undefined) assertFunction('onError', onError);
    assertPositiveInteger('busyTimeoutMs', busyTimeoutMs, { allowZero: true });
    assertPositiveInteger('maxPendingSpans', maxPendingSpans);
    assertPositiveInteger('exitFlushTimeoutMs', exitFlushTimeoutMs, { allowZero: true });
    const memory = path === ':memory:';
    const useWorker = options.worker ?? !memory;
    assertBoolean('worker', useWorker);
    if (memory && useWorker) {
      throw new RangeError(
        'Expected `worker` to be false for `:memory:` (a worker cannot share an in-memory database)',
      );
    }
    this.path = path;
    this.#onError = onError;
    this.#busyTimeoutMs = busyTimeoutMs;
    this.#maxPendingSpans = maxPendingSpans;
    this.#exitFlushTimeoutMs = exitFlushTimeoutMs;

    if (!useWorker) {
      this.#inThread = new SpanWriter(path, { busyTimeoutMs });
      return;
    }
    // Refuse a bad file here, synchronously, with the file untouched; the worker creates a
    // missing file (atomically) and opens it.
    inspectDatabaseFile(path);
    const progress = new SharedArrayBuffer(4);
    this.#progress = new Int32Array(progress);
    const channel = new MessageChannel();
    const workerData: WriterWorkerData = { path, busyTimeoutMs, progress, replies: channel.port2 };
    this.#worker = new Worker(writerEntry(), {
      workerData,
      transferList: [channel.port2],
      // The writer is a self-contained module that needs none of the host's Node flags, and
      // inheriting them fails for flags a worker refuses (`--input-type` with `-e`, for one).
      execArgv: [],
    });
    // The worker must not keep the host alive; it is ref'd only while someone awaits it.
    this.#worker.unref();
    this.#replies = channel.port1;
    this.#replies.on('message', (message: FromWriter) => this.#onMessage(message));
    this.#replies.unref();
    this.#worker.on('error', (error) => {
      this.#report(
        'WRITE_FAILED',
        `${path}: writer thread failed (${describeError(error)})`,
        error,
      );
    });
    this.#worker.on('exit', () => this.#onWorkerExit());
    exitRegistry.register(this.#exitFlush);
  }

  /** A snapshot of the counters since construction. */
  stats(): SpanStoreStats {
    return { ...this.#stats, pendingSpans: this.#pendingSpans };
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
    if (this.#inThread !== undefined || this.#workerGone || this.#handledSeq >= this.#seq) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#waiters.push({ seq: this.#seq, resolve });
      this.#worker!.ref();
    });
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
    const progress = this.#progress;
    if (progress === undefined || this.#workerGone) return;
    // After a wait ran out, a worker that has not moved since is still stuck (a lock held by
    // another process, a disk that does not answer): a second exit hook waiting again would only
    // double the time exit takes.
    if (this.#stalledAt !== undefined && Atomics.load(progress, HANDLED_SEQ) === this.#stalledAt) {
      this.#readReplies();
      return;
    }
    this.#stalledAt = undefined;
    const deadline = performance.now() + this.#exitFlushTimeoutMs;
    for (;;) {
      const handled = Atomics.load(progress, HANDLED_SEQ);
      if (handled >= this.#seq) break;
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        this.#stalledAt = handled;
        this.#readReplies();
        this.#report(
          'WRITE_FAILED',
          `${this.path}: flushSync() stopped waiting after ${this.#exitFlushTimeoutMs} ms (exitFlushTimeoutMs); ${this.#seq - handled} batches uncommitted`,
        );
        return;
      }
      Atomics.wait(progress, HANDLED_SEQ, handled, remaining);
    }
    this.#readReplies();
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
    // The exit flush stays registered until the worker exits: `close()` without `await` followed by
    // `process.exit()` must still commit what was handed over.
    if (this.#workerGone) {
      this.#closing = Promise.resolve();
      return this.#closing;
    }
    this.#closing = new Promise<void>((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#worker!.ref();
    this.#post({ kind: 'close' });
    return this.#closing;
  }

  toString(): string {
    return `SqliteSpanStore(path=${this.path}, worker=${this.#worker !== undefined}, busyTimeoutMs=${this.#busyTimeoutMs}, maxPendingSpans=${this.#maxPendingSpans})`;
  }

  #hand(kind: 'spans' | 'counts', records: readonly SpanRecord[] | readonly CountRecord[]): void {
    if (!Array.isArray(records)) {
      this.#report(
        'INVALID_ARGUMENT',
        `Expected \`${kind}\` to be an array, got ${typeof records}`,
      );
      return;
    }
    if (records.length === 0) return;
    if (this.#closed || this.#workerGone) {
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
    if (this.#inThread !== undefined) {
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
      return;
    }
    const spanCount = kind === 'spans' ? records.length : 0;
    if (this.#pendingSpans + spanCount > this.#maxPendingSpans) {
      this.#drop(kind, records.length);
      this.#report(
        'DROPPED',
        `${this.path}: ${this.#pendingSpans} spans await the writer (maxPendingSpans ${this.#maxPendingSpans}); dropped ${records.length} ${kind}`,
      );
      return;
    }
    const seq = this.#seq + 1;
    const message: ToWriter =
      batch !== undefined
        ? { kind: 'spans', seq, batch }
        : { kind: 'counts', seq, records: records as readonly CountRecord[] };
    if (
      !this.#post(message, batch === undefined ? undefined : [batch.numbers.buffer as ArrayBuffer])
    ) {
      this.#drop(kind, records.length);
      return;
    }
    this.#seq = seq;
    if (spanCount > 0) {
      this.#pendingSpans += spanCount;
      this.#pendingByBatch.set(seq, spanCount);
    }
  }

  #post(message: ToWriter, transfer?: ArrayBuffer[]): boolean {
    try {
      this.#worker!.postMessage(message, transfer);
      return true;
    } catch (error) {
      // DataCloneError: a record holds a function, symbol or the like.
      this.#report(
        'DROPPED',
        `${this.path}: batch cannot be sent to the writer (${describeError(error)})`,
        error,
      );
      return false;
    }
  }

  #onMessage(message: FromWriter): void {
    switch (message.kind) {
      case 'open-failed':
        this.#report(
          message.code === 'WRITE_FAILED'
            ? 'WRITE_FAILED'
            : (message.code as FerretStoreError['code']),
          message.message,
        );
        return;
      case 'closed':
        return;
      case 'done': {
        const spans = this.#pendingByBatch.get(message.seq);
        if (spans !== undefined) {
          this.#pendingByBatch.delete(message.seq);
          this.#pendingSpans -= spans;
        }
        const kind = spans !== undefined ? 'spans' : 'counts';
        if (message.failure !== undefined) {
          this.#lost(kind, message.records, message.failure, message.failureCode);
        } else {
          this.#account(kind, message.records, message);
        }
        this.#handledSeq = message.seq;
        this.#releaseWaiters();
        return;
      }
    }
  }

  /**
   * Counts a batch the writer could not commit and reports it; a file deleted or replaced under
   * the store (`FILE_REPLACED`) fails every later batch too, and is reported once.
   */
  #lost(kind: 'spans' | 'counts', records: number, failure: string, code?: string): void {
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
  #drop(kind: 'spans' | 'counts', records: number): void {
    this.#stats.dropped += records;
    if (kind === 'spans') this.#stats.lostSpans += records;
  }

  #account(kind: 'spans' | 'counts', records: number, outcome: WriteOutcome): void {
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

  #releaseWaiters(): void {
    let kept = 0;
    for (const waiter of this.#waiters) {
      if (waiter.seq <= this.#handledSeq || this.#workerGone) waiter.resolve();
      else this.#waiters[kept++] = waiter;
    }
    this.#waiters.length = kept;
    if (kept === 0 && this.#resolveClosed === undefined) this.#worker?.unref();
  }

  #onWorkerExit(): void {
    // Replies posted just before the worker ended may not have been delivered yet.
    this.#readReplies();
    this.#workerGone = true;
    exitRegistry.unregister(this.#exitFlush);
    this.#replies?.close();
    if (this.#pendingSpans > 0) {
      this.#drop('spans', this.#pendingSpans);
      this.#report(
        'WRITE_FAILED',
        `${this.path}: writer thread stopped with ${this.#pendingSpans} spans uncommitted`,
      );
      this.#pendingSpans = 0;
      this.#pendingByBatch.clear();
    }
    this.#releaseWaiters();
    this.#resolveClosed?.();
  }

  /** Handles the worker's replies already sent, synchronously (the event loop may not run again). */
  #readReplies(): void {
    const replies = this.#replies;
    if (replies === undefined) return;
    for (;;) {
      const received = receiveMessageOnPort(replies);
      if (received === undefined) return;
      this.#onMessage(received.message as FromWriter);
    }
  }

  /**
   * `beforeExit` (the event loop emptied): wait asynchronously, keeping the process alive up to
   * `exitFlushTimeoutMs`, so that replies and error reports are still processed and the `exit`
   * hook finds nothing left to block on. Gives up once; the `exit` hook then waits again.
   */
  #flushBeforeExit(): void {
    const worker = this.#worker;
    if (worker === undefined || this.#workerGone || this.#handledSeq >= this.#seq) return;
    if (this.#beforeExitWaiter !== undefined || this.#beforeExitGaveUp) return;
    const timer = setTimeout(() => {
      this.#beforeExitGaveUp = true;
      const index = this.#waiters.indexOf(waiter);
      if (index >= 0) this.#waiters.splice(index, 1);
      this.#beforeExitWaiter = undefined;
      this.#releaseWaiters();
    }, this.#exitFlushTimeoutMs);
    timer.unref(); // the ref'd worker keeps the process alive while this waits
    const waiter: Waiter = {
      seq: this.#seq,
      resolve: () => {
        clearTimeout(timer);
        this.#beforeExitWaiter = undefined;
      },
    };
    this.#beforeExitWaiter = waiter;
    this.#waiters.push(waiter);
    worker.ref();
  }

  #report(code: FerretStoreError['code'], message: string, cause?: unknown): void {
    const error = new FerretStoreError(code, message, cause === undefined ? undefined : { cause });
    reportError(error, this.#onError, storeWarnings, code, `FERRET_STORE_${code}`);
  }
}

/** Without an `onError`: one warning per error code per process, for all stores. */
const storeWarnings = new WarnOnce();
/** One `beforeExit` and one `exit` listener for every open store. */
const exitRegistry = new ProcessExitRegistry();

/** dist/writer.worker.js next to this module; from src/ (tests run on sources) the built one. */
function writerEntry(): URL {
  const sibling = new URL('./writer.worker.js', import.meta.url);
  if (existsSync(sibling)) return sibling;
  return new URL('../dist/writer.worker.js', import.meta.url);
}
