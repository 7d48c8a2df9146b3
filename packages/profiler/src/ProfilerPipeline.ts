// The module binding, not the global: in Node 20 `globalThis.performance` is a lazy getter.
import { performance } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { ProcessExitRegistry, reportError, WarnOnce } from '@ferret/internal';
import type { Clock } from '@ferret/ratelimit';
import { BatchFlusher } from './BatchFlusher.js';
import type { IdGenerator } from './IdGenerator.js';
import { NameTable } from './NameTable.js';
import { ProfilerError } from './ProfilerError.js';
import type { ResolvedProfilerOptions } from './ProfilerOptions.js';
import type { ProfilerStats } from './ProfilerStats.js';
import { RootAdmission } from './RootAdmission.js';
import type { SpanOwner } from './Span.js';
import { SpanRecordBuilder } from './SpanRecordBuilder.js';
import { StallRecorder } from './StallRecorder.js';

/** One `beforeExit` and one `exit` listener for every profiler of the process. */
const exitRegistry = new ProcessExitRegistry();

/** Options of {@link ProfilerPipeline}. @internal */
export interface ProfilerPipelineOptions {
  options: ResolvedProfilerOptions;
  /** The profiler: owner of the stall spans. */
  owner: SpanOwner;
  ids: IdGenerator;
  /** The monotonic clock (the injected one, or `performance.now()`). */
  clock: Clock;
  /** The profiler's last clock reading, as a clock: what the budget buckets read. */
  cachedClock: Clock;
  /** The first clock reading. */
  now: number;
  /** Called after count records are collected: the name table may have evicted entries. */
  onCountsCollected: () => void;
}

/** Counters the profiler keeps on its own hot path, for {@link ProfilerPipeline.stats}. @internal */
export interface HotPathCounters {
  enabled: boolean;
  recordedSpans: number;
  truncatedSpans: number;
  droppedAfterClose: number;
}

/**
 * Everything of a profiler behind its hot path: builds the name table, the root admission and the
 * record builder from the resolved options, runs the queue to the sink ({@link BatchFlusher}) with
 * the count records collected on its schedule, the stall recorder, the exit hooks, `flush()` and
 * `close()`, error reporting, and assembles `stats()` and `toString()`. The profiler keeps its own
 * references to the parts its hot path touches.
 * @internal
 */
export class ProfilerPipeline {
  readonly names: NameTable;
  readonly admission: RootAdmission;
  readonly builder: SpanRecordBuilder;
  readonly flusher: BatchFlusher;
  readonly stalls: StallRecorder | undefined;
  /** Failures reported through {@link report}. */
  internalErrors = 0;
  readonly #options: ResolvedProfilerOptions;
  readonly #clock: Clock;
  readonly #epochOffset: number;
  #intervalStart: number;
  #closed = false;
  /** `close()` has drained and closed the sink: nothing is left for the exit hook. */
  #closeFinished = false;
  #closing: Promise<void> | undefined;
  readonly #warnings = new WarnOnce();

  constructor(p: ProfilerPipelineOptions) {
    const o = p.options;
    this.#options = o;
    this.#clock = p.clock;
    this.#epochOffset = o.clock === undefined ? performance.timeOrigin : Date.now() - p.now;
    this.names = new NameTable({
      maxNames: o.maxNames,
      windowMs: o.windowMs,
      clock: p.cachedClock,
      now: p.now,
      maxNameLength: o.maxNameLength,
    });
    this.admission = new RootAdmission({
      bucket: o.bucket,
      maxSpansPerSecond: o.maxSpansPerSecond,
      burst: o.burst,
      clock: p.cachedClock,
      names: this.names,
    });
    this.builder = new SpanRecordBuilder(o.runId, process.pid, threadId, this.#epochOffset, o, () =>
      this.report(
        new ProfilerError(
          'TRUNCATED',
          `cut a span name, attribute key or value to its limit (maxNameLength ${o.maxNameLength}, maxAttributeKeyLength ${o.maxAttributeKeyLength}, maxAttributeValueLength ${o.maxAttributeValueLength}); reported once, counted in stats().truncatedNames and truncatedAttributes`,
        ),
      ),
    );
    this.#intervalStart = this.#epochNow();
    this.flusher = new BatchFlusher({
      sink: o.sink,
      maxQueueSize: o.maxQueueSize,
      maxBatchSize: o.maxBatchSize,
      flushIntervalMs: o.flushIntervalMs,
      sinkTimeoutMs: o.sinkTimeoutMs,
      builder: this.builder,
      collectCounts: () => {
        const end = this.#epochNow();
        const records = this.names.collectCounts(this.#intervalStart, end, o.runId);
        p.onCountsCollected();
        this.#intervalStart = end;
        return records;
      },
      report: this.report,
    });
    if (!o.enabled) this.flusher.stopTimers();
    if (o.enabled && o.stallThresholdMs !== undefined) {
      this.stalls = new StallRecorder({
        thresholdMs: o.stallThresholdMs,
        captureStacks: o.captureStallStacks,
        owner: p.owner,
        ids: p.ids,
        clock: p.clock,
        epochOffset: this.#epochOffset,
        record: (span) => this.flusher.push(span),
        report: this.report,
      });
    }
    if (o.enabled && o.flushOnExit) exitRegistry.register(this);
  }

  /** Counts `error` and hands it to `onError` (or warns once per code). */
  readonly report = (error: ProfilerError): void => {
    this.internalErrors++;
    reportError(error, this.#options.onError, this.#warnings, error.code, `FERRET_${error.code}`);
  };

  /** `Profiler.flush()`. */
  flush(): Promise<void> {
    return this.flusher.flush();
  }

  /**
   * `Profiler.close()`: has the stall watchdog report a stall still in flight and stops it (at
   * most STALL_FLUSH_TIMEOUT_MS), then drains and closes the sink. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closed = true;
    // The exit hook stays until the drain has finished: `void profiler.close(); process.exit()`
    // must still hand the queue to the sink synchronously at `exit`.
    const stallsStopped = this.stalls?.close() ?? Promise.resolve();
    this.#closing = stallsStopped
      .then(() => this.flusher.close())
      .finally(() => {
        this.#closeFinished = true;
        exitRegistry.unregister(this);
      });
    return this.#closing;
  }

  /** `beforeExit`: flush if anything is pending. */
  flushBeforeExit(): void {
    if (this.#closed) return;
    // Not flush(): its ref'd time-out would keep the process alive and `beforeExit` firing.
    if (this.flusher.queued > 0 || this.names.hasUnreportedCounts()) {
      void this.flusher.drain(true).then(() => this.flusher.flushSink());
    }
  }

  /** `exit`: hand everything to the sink synchronously (also while `close()` drains). */
  flushAtExit(): void {
    if (this.#closeFinished) return;
    this.flusher.stopTimers();
    this.flusher.drainSync();
  }

  /** `Profiler.stats()`: a snapshot, safe to keep. */
  stats(counters: HotPathCounters): ProfilerStats {
    const { calls, recordedRoots, names } = this.names.stats();
    const flusher = this.flusher;
    const sink = flusher.sinkStats();
    return {
      enabled: counters.enabled,
      maxSpansPerSecond: this.admission.rate,
      burst: this.admission.burst,
      calls,
      recordedRoots,
      droppedBySampling: calls - recordedRoots,
      recordedSpans: counters.recordedSpans,
      truncatedSpans: counters.truncatedSpans,
      queued: flusher.queued,
      exportedSpans: flusher.exportedSpans,
      storedSpans: sink?.storedSpans,
      lostSpans: sink?.lostSpans,
      droppedByQueue: flusher.droppedByQueue,
      droppedBySink: flusher.droppedBySink,
      droppedAfterClose: counters.droppedAfterClose,
      droppedCountRecords: flusher.droppedCountRecords,
      droppedAttributes: this.builder.droppedAttributes,
      truncatedNames: this.builder.truncatedNames,
      truncatedAttributes: this.builder.truncatedAttributes,
      sinkErrors: flusher.sinkErrors,
      sinkTimeouts: flusher.sinkTimeouts,
      internalErrors: this.internalErrors,
      stallWatchdog: this.stalls?.state ?? 'off',
      stalls: this.stalls?.stalls ?? 0,
      stallsNotRecorded: this.stalls?.notRecorded ?? 0,
      overflowCalls: this.names.overflowCalls,
      activeNames: this.names.activeNames,
      names,
    };
  }

  /** `Profiler.toString()`. */
  describe(enabled: boolean): string {
    const o = this.#options;
    const admission = this.admission;
    return (
      `Profiler{enabled=${enabled}, maxSpansPerSecond=${admission.rate}, burst=${admission.burst}, ` +
      `maxSpansPerTrace=${o.maxSpansPerTrace}, maxNames=${o.maxNames}, windowMs=${o.windowMs}, ` +
      `maxQueueSize=${o.maxQueueSize}, maxBatchSize=${o.maxBatchSize}, ` +
      `flushIntervalMs=${o.flushIntervalMs}, sinkTimeoutMs=${o.sinkTimeoutMs}, ` +
      `maxNameLength=${o.maxNameLength}, maxAttributes=${o.maxAttributes}, ` +
      `maxAttributeKeyLength=${o.maxAttributeKeyLength}, ` +
      `maxAttributeValueLength=${o.maxAttributeValueLength}, ` +
      `stallThresholdMs=${o.stallThresholdMs ?? 'off'}, bucket=${admission.describeBucket()}, runId=${o.runId}}`
    );
  }

  #epochNow(): number {
    return this.#epochOffset + this.#clock();
  }
}
