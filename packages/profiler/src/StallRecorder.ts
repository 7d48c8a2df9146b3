import { type Clock, TokenBucket } from '@ferret/ratelimit';
import type { IdGenerator } from './IdGenerator.js';
import { ProfilerError } from './ProfilerError.js';
import { Span, type SpanOwner } from './Span.js';
import type { Attributes } from './SpanRecord.js';
import { type StallReport, StallWatchdog, type StallWatchdogState } from './StallWatchdog.js';

/** The name of the spans that record event-loop stalls. */
export const STALL_SPAN_NAME = 'ferret.stall';

/** Stall spans recorded per second at most (outside the budget), and in one burst. */
export const STALL_SPANS_PER_SECOND = 1;
export const STALL_SPANS_BURST = 10;

/** Options of {@link StallRecorder}. @internal */
export interface StallRecorderOptions {
  thresholdMs: number;
  captureStacks: boolean;
  owner: SpanOwner;
  ids: IdGenerator;
  clock: Clock;
  /** Epoch ms = this + a monotonic reading of `clock`. */
  epochOffset: number;
  /** Hands a finished stall span to the profiler's queue. */
  record: (span: Span) => void;
  report: (error: ProfilerError) => void;
}

/**
 * Turns the {@link StallWatchdog}'s reports into `ferret.stall` spans: each its own root (weight 1,
 * outside the spans-per-second budget), its start when the loop should have run its next timer,
 * its duration how long the loop was blocked, with the stalled span's name, trace id and span id,
 * and the stack when one was captured. Stall spans have their own small budget
 * ({@link STALL_SPANS_PER_SECOND}); stalls beyond it are counted in {@link notRecorded}.
 * @internal
 */
export class StallRecorder {
  readonly #options: StallRecorderOptions;
  readonly #bucket: TokenBucket;
  readonly #watchdog: StallWatchdog | undefined;
  /** Stalls reported by the watchdog. */
  stalls = 0;
  /** Stalls not recorded because of the stall spans' own rate limit (or after close). */
  notRecorded = 0;

  constructor(options: StallRecorderOptions) {
    this.#options = options;
    this.#bucket = new TokenBucket({
      ratePerSecond: STALL_SPANS_PER_SECOND,
      burst: STALL_SPANS_BURST,
      clock: options.clock,
    });
    try {
      this.#watchdog = new StallWatchdog({
        thresholdMs: options.thresholdMs,
        captureStacks: options.captureStacks,
        onStall: (report) => this.#onStall(report),
        onError: (error) => this.#fail(error),
      });
    } catch (error) {
      this.#watchdog = undefined;
      this.#fail(error);
    }
  }

  /** The watchdog, for publishing the current span; undefined when it could not start. */
  get watchdog(): StallWatchdog | undefined {
    return this.#watchdog;
  }

  /** Where the watchdog is (`failed` when it could not start). */
  get state(): StallWatchdogState {
    return this.#watchdog?.state ?? 'failed';
  }

  /**
   * Has the watchdog report the stall it holds (one that just ended, or one waiting for its
   * stack: bounded, see {@link StallWatchdog.flush}), which `record` receives, then stops it.
   * Never rejects.
   */
  async close(): Promise<void> {
    const watchdog = this.#watchdog;
    if (watchdog === undefined) return;
    await watchdog.flush();
    watchdog.close();
  }

  /** `StallRecorder{thresholdMs=..., stalls=..., notRecorded=...}`. */
  toString(): string {
    return `StallRecorder{thresholdMs=${this.#options.thresholdMs}, stalls=${this.stalls}, notRecorded=${this.notRecorded}}`;
  }

  #onStall(report: StallReport): void {
    this.stalls++;
    if (!this.#bucket.tryTake()) {
      this.notRecorded++;
      return;
    }
    const o = this.#options;
    const attributes: Attributes = { 'ferret.stall.threshold_ms': o.thresholdMs };
    const stalled = report.span;
    if (stalled !== undefined) {
      attributes['ferret.stall.span.name'] = stalled.name;
      attributes['ferret.stall.span.trace_id'] = stalled.traceId;
      attributes['ferret.stall.span.span_id'] = stalled.spanId;
    }
    if (report.stack !== undefined && report.stack.length > 0) {
      attributes['ferret.stall.stack'] = report.stack.join('\n');
    }
    const offset = o.ids.take(48);
    const start = report.startEpochMs - o.epochOffset;
    const span = new Span(
      o.owner,
      STALL_SPAN_NAME,
      attributes,
      start,
      undefined,
      o.ids.pool,
      offset,
    );
    span._ownsAttributes = true;
    span._duration = Math.max(0, report.blockedMs);
    o.record(span);
  }

  #fail(error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.#options.report(
      new ProfilerError('STALL_WATCHDOG', `stall watchdog failed: ${reason}`, { cause: error }),
    );
  }
}
