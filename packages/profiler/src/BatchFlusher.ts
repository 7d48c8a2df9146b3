import { ProfilerError, type ProfilerErrorCode } from './ProfilerError.js';
import type { Span } from './Span.js';
import type { CountRecord, SpanRecord } from './SpanRecord.js';
import type { SpanRecordBuilder } from './SpanRecordBuilder.js';
import { SpanRing } from './SpanRing.js';
import { readSinkStats, type SinkStats, type SpanSink } from './SpanSink.js';
import {
  isPromiseLike,
  message,
  nextMacrotask,
  settleWithin,
  TIMED_OUT,
  withTimeout,
} from './sinkCalls.js';

/** The members of a sink the flusher calls. */
type SinkMember = 'write' | 'countSpans' | 'writeCounts' | 'flush' | 'flushSync' | 'close';

/** A sink call that hands over items; `abandoned` once `close()` has counted it as dropped. */
interface SinkCall {
  readonly counts: boolean;
  readonly items: number;
  abandoned: boolean;
}

/** Options of {@link BatchFlusher}. @internal */
export interface BatchFlusherOptions {
  sink: SpanSink | undefined;
  maxQueueSize: number;
  maxBatchSize: number;
  flushIntervalMs: number;
  sinkTimeoutMs: number;
  builder: SpanRecordBuilder;
  /** Count records since the last call (the name table's `collectCounts`). */
  collectCounts: () => CountRecord[];
  report: (error: ProfilerError) => void;
}

/**
 * The hand-off between callers and the sink, modelled on OpenTelemetry JS's
 * `BatchSpanProcessorBase`: a bounded queue (a ring allocated up front, so appending allocates
 * nothing) that callers only append to; a full batch is flushed
 * on the next `setImmediate`, the rest every `flushIntervalMs` by an unref'd timer. Count records
 * are handed over every `flushIntervalMs` too, between two span batches if the queue never
 * empties. One sink call runs at a time, each bounded by `sinkTimeoutMs`; a throw (reading the
 * sink's member included), rejection or timeout drops that batch, counts it and reports it. A full
 * queue drops the span and counts it, reported once with the count.
 * @internal
 */
export class BatchFlusher {
  readonly #sink: SpanSink | undefined;
  readonly #maxQueueSize: number;
  readonly #maxBatchSize: number;
  readonly #sinkTimeoutMs: number;
  readonly #builder: SpanRecordBuilder;
  readonly #collectCounts: () => CountRecord[];
  readonly #report: (error: ProfilerError) => void;
  readonly #queue: SpanRing;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #chain: Promise<void> = Promise.resolve();
  #pending: Promise<void> | undefined;
  #countsWanted = false;
  #queueFullReported = false;
  #droppedSinceReport = 0;
  #closing = false;
  /** The `write()` or `writeCounts()` call being awaited, if any. */
  #inFlight: SinkCall | undefined;

  /** Spans handed to the sink successfully. */
  exportedSpans = 0;
  /** Spans dropped because the queue was full. */
  droppedByQueue = 0;
  /** Spans lost in sink calls that threw, rejected or timed out. */
  droppedBySink = 0;
  /** Count records lost the same way. */
  droppedCountRecords = 0;
  /** Sink calls that threw or rejected. */
  sinkErrors = 0;
  /** Sink calls given up on after `sinkTimeoutMs`. */
  sinkTimeouts = 0;

  constructor(options: BatchFlusherOptions) {
    this.#sink = options.sink;
    this.#maxQueueSize = options.maxQueueSize;
    this.#queue = new SpanRing(options.maxQueueSize);
    this.#maxBatchSize = options.maxBatchSize;
    this.#sinkTimeoutMs = options.sinkTimeoutMs;
    this.#builder = options.builder;
    this.#collectCounts = options.collectCounts;
    this.#report = options.report;
    this.#timer = setInterval(() => {
      void this.drain(true);
    }, options.flushIntervalMs);
    this.#timer.unref();
  }

  /** Spans waiting for the sink. */
  get queued(): number {
    return this.#queue.length;
  }

  /** The only work on the caller's path: append, or drop and count. */
  push(span: Span): void {
    const queue = this.#queue;
    if (!queue.push(span)) {
      this.droppedByQueue++;
      this.#droppedSinceReport++;
      return;
    }
    if (queue.length === this.#maxBatchSize && this.#immediate === undefined) {
      this.#immediate = setImmediate(() => {
        this.#immediate = undefined;
        void this.drain(false);
      });
    }
  }

  /**
   * Hands every queued span (and, with `counts`, the count records) to the sink, one batch at a
   * time. Requests made while a drain is waiting to start join it. Never rejects.
   */
  drain(counts: boolean): Promise<void> {
    if (counts) this.#countsWanted = true;
    if (this.#pending !== undefined) return this.#pending;
    const run = this.#chain
      .then(() => {
        this.#pending = undefined;
        return this.#drainNow();
      })
      // Every sink access is guarded below; this keeps the chain usable whatever else fails.
      .then(undefined, (error: unknown) => {
        this.#pending = undefined;
        this.#report(
          new ProfilerError('SINK_WRITE', `flushing failed: ${message(error)}`, { cause: error }),
        );
      });
    this.#pending = run;
    this.#chain = run;
    return run;
  }

  /** Calls `sink.flush()` (bounded by the timeout), after the queue has drained. Never rejects. */
  async flushSink(): Promise<void> {
    if (this.#sink === undefined) return;
    await this.#callSink('SINK_FLUSH', 'flush', undefined, 0);
  }

  /**
   * `Profiler.flush()`: drains (spans and counts) and flushes the sink, settling within
   * `sinkTimeoutMs` even when nothing else holds the event loop (the wait is a ref'd timer).
   * What is still queued then stays queued. Never rejects.
   */
  async flush(): Promise<void> {
    const done = this.drain(true).then(() => this.flushSink());
    if (await settleWithin(done, this.#sinkTimeoutMs)) return;
    this.#report(
      new ProfilerError(
        'FLUSH_TIMEOUT',
        `flush() stopped waiting for the sink after ${this.#sinkTimeoutMs} ms; ${this.#queue.length} spans still queued`,
      ),
    );
  }

  /** The sink's own figures (`sink.stats()`), or `undefined` when it reports none or fails to. */
  sinkStats(): SinkStats | undefined {
    const sink = this.#sink;
    if (sink === undefined) return undefined;
    try {
      return readSinkStats(sink);
    } catch (error) {
      this.#report(
        new ProfilerError('SINK_STATS', `sink stats() failed: ${message(error)}`, { cause: error }),
      );
      return undefined;
    }
  }

  /**
   * Stops the timers, drains (giving up after `sinkTimeoutMs` in total, dropping and counting what
   * is left) and closes the sink (also bounded). Never rejects.
   */
  async close(): Promise<void> {
    this.stopTimers();
    this.#closing = true;
    const drained = this.drain(true).then(() => this.flushSink());
    const finished = await settleWithin(drained, this.#sinkTimeoutMs);
    if (!finished) {
      const left = this.#queue.clear();
      this.droppedBySink += left;
      // The call being awaited is given up on too: counted as dropped now, and whatever it does
      // later changes no counter.
      const call = this.#inFlight;
      let unsettled = '';
      if (call !== undefined) {
        call.abandoned = true;
        this.#inFlight = undefined;
        if (call.counts) this.droppedCountRecords += call.items;
        else this.droppedBySink += call.items;
        unsettled = `, and ${call.items} ${call.counts ? 'count records' : 'spans'} of a sink ${call.counts ? 'writeCounts' : 'write'}() that has not settled`;
      }
      this.#report(
        new ProfilerError(
          'CLOSE_TIMEOUT',
          `close() stopped waiting for the sink after ${this.#sinkTimeoutMs} ms; dropped ${left} queued spans${unsettled}`,
        ),
      );
    }
    if (this.#sink !== undefined) await this.#callSink('SINK_CLOSE', 'close', undefined, 0);
  }

  /** Stops the interval timer and any scheduled batch flush. */
  stopTimers(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#immediate = undefined;
  }

  /**
   * Best effort at `process.on('exit')`, where nothing asynchronous runs any more: hands every
   * queued span and the counts to the sink synchronously, then calls `sink.flushSync()` if any.
   * A batch that cannot be built or written is dropped and counted; the next one is still tried.
   */
  drainSync(): void {
    const sink = this.#sink;
    while (this.#queue.length > 0) {
      const batch = this.#queue.take(this.#maxBatchSize);
      if (sink === undefined) continue;
      if (this.#countsSpansOnly()) {
        this.#callSinkSync('SINK_WRITE', 'countSpans', batch.length, batch.length);
        continue;
      }
      const records = this.#build(batch);
      if (records === undefined) continue;
      this.#callSinkSync('SINK_WRITE', 'write', records, batch.length);
    }
    if (sink === undefined) return;
    this.#collectAndCallSync();
    this.#callSinkSync('SINK_FLUSH', 'flushSync', undefined, 0);
  }

  /** `BatchFlusher{maxQueueSize=..., maxBatchSize=..., sinkTimeoutMs=...}`. */
  toString(): string {
    return `BatchFlusher{maxQueueSize=${this.#maxQueueSize}, maxBatchSize=${this.#maxBatchSize}, sinkTimeoutMs=${this.#sinkTimeoutMs}}`;
  }

  async #drainNow(): Promise<void> {
    if (this.#droppedSinceReport > 0) {
      const dropped = this.#droppedSinceReport;
      this.#droppedSinceReport = 0;
      if (!this.#queueFullReported) {
        this.#queueFullReported = true; // warn once; later drops are only counted (stats())
        this.#report(
          new ProfilerError(
            'QUEUE_FULL',
            `Dropped ${dropped} spans because the queue held maxQueueSize (${this.#maxQueueSize}) spans; further drops are counted in stats().droppedByQueue`,
          ),
        );
      }
    }
    const sink = this.#sink;
    while (this.#queue.length > 0) {
      const batch = this.#queue.take(this.#maxBatchSize);
      if (sink === undefined) continue;
      if (this.#countsSpansOnly()) {
        await this.#callSink('SINK_WRITE', 'countSpans', batch.length, batch.length);
      } else {
        const records = this.#build(batch);
        if (records !== undefined)
          await this.#callSink('SINK_WRITE', 'write', records, batch.length);
      }
      if (this.#queue.length === 0) break;
      // Counts are due (timer, flush, close) and spans are still queued: hand the counts over
      // between two batches, so a queue that never empties cannot hold them back.
      if (this.#countsWanted) await this.#handOverCounts();
      // One batch per macrotask: timers and I/O of the host run between batches.
      if (!this.#closing) await nextMacrotask();
    }
    if (this.#countsWanted) await this.#handOverCounts();
  }

  async #handOverCounts(): Promise<void> {
    this.#countsWanted = false;
    const counts = this.#collectCounts();
    if (counts.length > 0 && this.#sink !== undefined) {
      await this.#callSink('SINK_COUNTS', 'writeCounts', counts, counts.length);
    }
  }

  #collectAndCallSync(): void {
    let counts: CountRecord[];
    try {
      counts = this.#collectCounts();
    } catch (error) {
      this.#report(
        new ProfilerError('SINK_COUNTS', `collecting counts failed: ${message(error)}`, {
          cause: error,
        }),
      );
      return;
    }
    if (counts.length > 0) this.#callSinkSync('SINK_COUNTS', 'writeCounts', counts, counts.length);
  }

  /**
   * Whether the sink takes span counts instead of records (it has `countSpans`): asked per batch,
   * so that a member read that throws is only this batch's problem (it then goes to `write()`,
   * whose read is guarded like every sink call).
   */
  #countsSpansOnly(): boolean {
    try {
      return typeof this.#sink!.countSpans === 'function';
    } catch {
      return false;
    }
  }

  /**
   * The batch's records, built in place (the array taken off the queue becomes the array handed
   * to the sink), or `undefined` (the batch dropped, counted and reported).
   */
  #build(batch: Span[]): SpanRecord[] | undefined {
    const builder = this.#builder;
    const records = batch as unknown as SpanRecord[];
    try {
      for (let i = 0; i < batch.length; i++) records[i] = builder.build(batch[i]!);
      return records;
    } catch (error) {
      this.droppedBySink += batch.length;
      this.#report(
        new ProfilerError('SINK_WRITE', `building records failed: ${message(error)}`, {
          cause: error,
        }),
      );
      return undefined;
    }
  }

  /**
   * Reads `sink[member]` and calls it with `argument`, both inside the guard. `undefined` when the
   * member is absent (a missing `write` is a failure: the batch is dropped).
   */
  #invoke(member: SinkMember, argument: unknown): unknown {
    const sink = this.#sink!;
    const method = sink[member] as unknown;
    if (method === undefined && member !== 'write') return undefined;
    if (typeof method !== 'function') throw new TypeError(`sink.${member} is not a function`);
    return argument === undefined ? method.call(sink) : method.call(sink, argument);
  }

  /** At exit: a promise returned is not waited for (nothing asynchronous runs any more). */
  #callSinkSync(
    code: ProfilerErrorCode,
    member: SinkMember,
    argument: unknown,
    items: number,
  ): void {
    try {
      const result = this.#invoke(member, argument);
      if (isPromiseLike(result)) result.then(undefined, () => {});
      if (code === 'SINK_WRITE') this.exportedSpans += items;
    } catch (error) {
      this.#sinkFailed(code, member, error, items, ' at exit');
    }
  }

  async #callSink(
    code: ProfilerErrorCode,
    member: SinkMember,
    argument: unknown,
    items: number,
  ): Promise<void> {
    const call: SinkCall | undefined =
      items > 0 ? { counts: code === 'SINK_COUNTS', items, abandoned: false } : undefined;
    this.#inFlight = call;
    try {
      const result = this.#invoke(member, argument);
      if (isPromiseLike(result)) await withTimeout(result, this.#sinkTimeoutMs, this.#closing);
      if (call?.abandoned) return;
      if (code === 'SINK_WRITE') this.exportedSpans += items;
    } catch (error) {
      if (call?.abandoned) return;
      this.#sinkFailed(code, member, error, items, '');
    } finally {
      if (this.#inFlight === call) this.#inFlight = undefined;
    }
  }

  #sinkFailed(
    code: ProfilerErrorCode,
    member: SinkMember,
    error: unknown,
    items: number,
    when: string,
  ): void {
    const counts = code === 'SINK_COUNTS';
    if (code === 'SINK_WRITE') this.droppedBySink += items;
    else if (counts) this.droppedCountRecords += items;
    const lost = items > 0 ? `; ${items} ${counts ? 'count records' : 'spans'} dropped` : '';
    if (error === TIMED_OUT) {
      this.sinkTimeouts++;
      this.#report(
        new ProfilerError(
          'SINK_TIMEOUT',
          `sink ${member}() did not settle within ${this.#sinkTimeoutMs} ms${lost}`,
        ),
      );
      return;
    }
    this.sinkErrors++;
    this.#report(
      new ProfilerError(code, `sink ${member}() failed${when}${lost}: ${message(error)}`, {
        cause: error,
      }),
    );
  }
}
