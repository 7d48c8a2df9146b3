import { existsSync } from 'node:fs';
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
} from 'node:worker_threads';
import { ProcessExitRegistry } from '@ferret/internal';
import type { CountRecord, SpanRecord } from '@ferret/profiler';
import { describeError, type FerretStoreError } from './FerretStoreError.js';
import type { WriteOutcome } from './SpanWriter.js';
import type { SpanBatch } from './spanBatch.js';
import {
  type FromWriter,
  HANDLED_SEQ,
  type ToWriter,
  type WriterWorkerData,
} from './writerProtocol.js';

/** What a batch holds: spans or count records. @internal */
export type RecordKind = 'spans' | 'counts';

/** Options of {@link WriterThread}: where it writes, its bounds, and where outcomes go. @internal */
export interface WriterThreadOptions {
  path: string;
  busyTimeoutMs: number;
  maxPendingSpans: number;
  exitFlushTimeoutMs: number;
  /** A batch the writer handled: rows committed and records refused. */
  account(kind: RecordKind, records: number, outcome: WriteOutcome): void;
  /** A batch the writer could not commit. */
  lost(kind: RecordKind, records: number, failure: string, code?: string): void;
  /** Records lost before reaching the writer (queue full, unclonable batch, writer gone). */
  drop(kind: RecordKind, records: number): void;
  report(code: FerretStoreError['code'], message: string, cause?: unknown): void;
}

interface Waiter {
  seq: number;
  resolve: () => void;
}

/** One `beforeExit` and one `exit` listener for every open store. */
const exitRegistry = new ProcessExitRegistry();

/**
 * The writer worker of a file-backed {@link SqliteSpanStore}, seen from the host thread: starts
 * the worker (which owns the connection), posts numbered batches to it within `maxPendingSpans`,
 * handles its replies, and waits for it: asynchronously (`flush()`, `close()`, `beforeExit`) or
 * synchronously at `exit` (`flushSync()`, on a shared progress counter). The worker never keeps
 * the host alive; it is ref'd only while someone awaits it.
 * @internal
 */
export class WriterThread {
  readonly #o: WriterThreadOptions;
  readonly #worker: Worker;
  readonly #progress: Int32Array;
  /** The worker's replies. A port of our own (not `parentPort`) so that `flushSync()` can read them synchronously. */
  readonly #replies: MessagePort;
  readonly #pendingByBatch = new Map<number, number>();
  readonly #waiters: Waiter[] = [];
  /** What the exit registry holds (weakly): alive exactly as long as this writer. */
  readonly #exitFlush = {
    flushBeforeExit: () => this.#flushBeforeExit(),
    flushAtExit: () => this.flushSync(),
  };
  /** The worker's progress when a `flushSync()` wait last ran out; undefined once it moves. */
  #stalledAt: number | undefined;
  #beforeExitWaiter: Waiter | undefined;
  #beforeExitGaveUp = false;
  #seq = 0;
  #handledSeq = 0;
  #pendingSpans = 0;
  #gone = false;
  #closing: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;

  constructor(options: WriterThreadOptions) {
    this.#o = options;
    const { path, busyTimeoutMs } = options;
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
    this.#worker.unref();
    this.#replies = channel.port1;
    this.#replies.on('message', (message: FromWriter) => this.#onMessage(message));
    this.#replies.unref();
    this.#worker.on('error', (error) => {
      options.report(
        'WRITE_FAILED',
        `${path}: writer thread failed (${describeError(error)})`,
        error,
      );
    });
    this.#worker.on('exit', () => this.#onWorkerExit());
    exitRegistry.register(this.#exitFlush);
  }

  /** The worker has exited: nothing more can be written. */
  get gone(): boolean {
    return this.#gone;
  }

  /** Spans handed to the worker and not yet committed. */
  get pendingSpans(): number {
    return this.#pendingSpans;
  }

  /**
   * Posts a batch (`batch` for spans, `records` for counts); drops it (counted, reported) when it
   * would take the pending spans past `maxPendingSpans` or cannot be posted.
   */
  send(
    kind: RecordKind,
    records: readonly SpanRecord[] | readonly CountRecord[],
    batch: SpanBatch | undefined,
  ): void {
    const o = this.#o;
    const spanCount = kind === 'spans' ? records.length : 0;
    if (this.#pendingSpans + spanCount > o.maxPendingSpans) {
      o.drop(kind, records.length);
      o.report(
        'DROPPED',
        `${o.path}: ${this.#pendingSpans} spans await the writer (maxPendingSpans ${o.maxPendingSpans}); dropped ${records.length} ${kind}`,
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
      o.drop(kind, records.length);
      return;
    }
    this.#seq = seq;
    if (spanCount > 0) {
      this.#pendingSpans += spanCount;
      this.#pendingByBatch.set(seq, spanCount);
    }
  }

  /** `SqliteSpanStore.flush()`: resolves once everything posted so far is handled. */
  flush(): Promise<void> {
    if (this.#gone || this.#handledSeq >= this.#seq) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters.push({ seq: this.#seq, resolve });
      this.#worker.ref();
    });
  }

  /** `SqliteSpanStore.flushSync()`: blocks until everything posted is handled, or the time-out. */
  flushSync(): void {
    const progress = this.#progress;
    if (this.#gone) return;
    const o = this.#o;
    // After a wait ran out, a worker that has not moved since is still stuck (a lock held by
    // another process, a disk that does not answer): a second exit hook waiting again would only
    // double the time exit takes.
    if (this.#stalledAt !== undefined && Atomics.load(progress, HANDLED_SEQ) === this.#stalledAt) {
      this.#readReplies();
      return;
    }
    this.#stalledAt = undefined;
    const deadline = performance.now() + o.exitFlushTimeoutMs;
    for (;;) {
      const handled = Atomics.load(progress, HANDLED_SEQ);
      if (handled >= this.#seq) break;
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        this.#stalledAt = handled;
        this.#readReplies();
        o.report(
          'WRITE_FAILED',
          `${o.path}: flushSync() stopped waiting after ${o.exitFlushTimeoutMs} ms (exitFlushTimeoutMs); ${this.#seq - handled} batches uncommitted`,
        );
        return;
      }
      Atomics.wait(progress, HANDLED_SEQ, handled, remaining);
    }
    this.#readReplies();
  }

  /** Asks the worker to commit everything and close the database; resolves when it has exited. */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    // The exit flush stays registered until the worker exits: `close()` without `await` followed by
    // `process.exit()` must still commit what was handed over.
    if (this.#gone) {
      this.#closing = Promise.resolve();
      return this.#closing;
    }
    this.#closing = new Promise<void>((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#worker.ref();
    this.#post({ kind: 'close' });
    return this.#closing;
  }

  #post(message: ToWriter, transfer?: ArrayBuffer[]): boolean {
    try {
      this.#worker.postMessage(message, transfer);
      return true;
    } catch (error) {
      // DataCloneError: a record holds a function, symbol or the like.
      this.#o.report(
        'DROPPED',
        `${this.#o.path}: batch cannot be sent to the writer (${describeError(error)})`,
        error,
      );
      return false;
    }
  }

  #onMessage(message: FromWriter): void {
    switch (message.kind) {
      case 'open-failed':
        this.#o.report(
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
          this.#o.lost(kind, message.records, message.failure, message.failureCode);
        } else {
          this.#o.account(kind, message.records, message);
        }
        this.#handledSeq = message.seq;
        this.#releaseWaiters();
        return;
      }
    }
  }

  #releaseWaiters(): void {
    let kept = 0;
    for (const waiter of this.#waiters) {
      if (waiter.seq <= this.#handledSeq || this.#gone) waiter.resolve();
      else this.#waiters[kept++] = waiter;
    }
    this.#waiters.length = kept;
    if (kept === 0 && this.#resolveClosed === undefined) this.#worker.unref();
  }

  #onWorkerExit(): void {
    // Replies posted just before the worker ended may not have been delivered yet.
    this.#readReplies();
    this.#gone = true;
    exitRegistry.unregister(this.#exitFlush);
    this.#replies.close();
    if (this.#pendingSpans > 0) {
      this.#o.drop('spans', this.#pendingSpans);
      this.#o.report(
        'WRITE_FAILED',
        `${this.#o.path}: writer thread stopped with ${this.#pendingSpans} spans uncommitted`,
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
    if (this.#gone || this.#handledSeq >= this.#seq) return;
    if (this.#beforeExitWaiter !== undefined || this.#beforeExitGaveUp) return;
    const timer = setTimeout(() => {
      this.#beforeExitGaveUp = true;
      const index = this.#waiters.indexOf(waiter);
      if (index >= 0) this.#waiters.splice(index, 1);
      this.#beforeExitWaiter = undefined;
      this.#releaseWaiters();
    }, this.#o.exitFlushTimeoutMs);
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
    this.#worker.ref();
  }
}

/** dist/writer.worker.js next to this module; from src/ (tests run on sources) the built one. */
function writerEntry(): URL {
  const sibling = new URL('./writer.worker.js', import.meta.url);
  if (existsSync(sibling)) return sibling;
  return new URL('../dist/writer.worker.js', import.meta.url);
}
