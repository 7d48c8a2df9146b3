import {
  assertKnownOptions,
  assertOptionsObject,
  assertTimerMs,
  optionKeys,
} from '@ferret/internal';
import { ProfilerError } from './ProfilerError.js';
import type { CountRecord, SpanRecord } from './SpanRecord.js';
import { readSinkStats, type SinkStats, type SpanSink } from './SpanSink.js';
import { isPromiseLike, message } from './sinkCalls.js';

/** Options of {@link TeeSink}. */
export interface TeeSinkOptions {
  /**
   * How long the tee waits for one branch's call, ms; a branch that takes longer is counted as
   * timed out for that batch and the others go on. Keep it below the profiler's `sinkTimeoutMs`
   * (default 5000) so the profiler never gives up on the tee as a whole. Default 4000.
   */
  branchTimeoutMs?: number;
  /**
   * Most unfinished calls per branch (calls that timed out still count until they settle); a
   * batch that finds a branch this busy is dropped for that branch only and counted. Default 4.
   */
  maxPendingPerBranch?: number;
  /**
   * Called with each branch failure (`branch` is its index in `sinks`). Default: one
   * `process.emitWarning` per branch.
   */
  onError?: (error: ProfilerError, branch: number) => void;
}

/** Every key of {@link TeeSinkOptions}: any other key is refused (a misspelt option). */
const TEE_SINK_OPTION_KEYS = optionKeys<TeeSinkOptions>({
  branchTimeoutMs: true,
  maxPendingPerBranch: true,
  onError: true,
});

/** The counters of one branch of a {@link TeeSink}. */
export interface TeeBranchStats {
  /** `String(sink)`. */
  sink: string;
  /** Spans whose `write()` settled successfully in time. */
  writtenSpans: number;
  /** Spans in `write()` calls that threw or rejected. */
  failedSpans: number;
  /** Spans in `write()` calls that did not settle within `branchTimeoutMs`. */
  timedOutSpans: number;
  /** Of the timed-out spans, those whose `write()` later threw or rejected. */
  lateFailedSpans: number;
  /** Spans not handed to the branch because it had `maxPendingPerBranch` unfinished calls. */
  skippedSpans: number;
  /** Count records lost in failed, timed-out or skipped `writeCounts()` calls. */
  lostCountRecords: number;
  /** Calls that threw, rejected or timed out (any method). */
  errors: number;
  /** The branch's own `stats()` figures, when it reports {@link SinkStats}. */
  storedSpans?: number;
  /** The branch's own `lostSpans`, when it reports {@link SinkStats}. */
  lostSpans?: number;
}

/**
 * What {@link TeeSink.stats} returns: every branch's counters and, when every branch reports
 * {@link SinkStats}, their sum (so `Profiler.stats()` shows it).
 *
 * The sum counts copies, not spans: each branch gets its own copy of every span, so with `n`
 * branches the copies stored, lost and still on their way add up to `n × exportedSpans`. A span
 * stored by one branch and lost by the other counts once in `storedSpans` and once in
 * `lostSpans`. A branch's losses are its own `lostSpans` plus the copies the tee could not hand
 * it: `write()` threw or rejected (`failedSpans`), was skipped (`skippedSpans`), or timed out and
 * then failed (`lateFailedSpans`; a timed-out call that later succeeds is counted by the branch
 * as stored, one still pending is on its way).
 */
export interface TeeSinkStats extends Partial<SinkStats> {
  branches: TeeBranchStats[];
}

/**
 * A {@link SpanSink} that hands every batch to several sinks, e.g. a local `SqliteSpanStore` and an
 * OTLP exporter sink at the same time. Each branch keeps its own failure accounting: a branch that
 * throws, rejects or hangs loses only its own copy of the batch (counted in {@link stats} and
 * reported through `onError`), and the tee itself always settles, within `branchTimeoutMs`, so
 * the profiler counts the batch as handed over. Records are shared between branches, not copied:
 * sinks must not modify them.
 *
 * @example
 * ```ts
 * const profiler = new Profiler({ sink: new TeeSink([store, otlpSink]) });
 * ```
 */
export class TeeSink implements SpanSink {
  readonly #sinks: readonly SpanSink[];
  readonly #branchTimeoutMs: number;
  readonly #maxPending: number;
  readonly #onError: (error: ProfilerError, branch: number) => void;
  readonly #pending: number[];
  readonly #stats: TeeBranchStats[];

  /** @throws TypeError / RangeError naming the option, for invalid arguments. */
  constructor(sinks: readonly SpanSink[], options: TeeSinkOptions = {}) {
    assertOptionsObject('options', options);
    assertKnownOptions('TeeSink', options, TEE_SINK_OPTION_KEYS);
    if (!Array.isArray(sinks) || sinks.length === 0) {
      throw new TypeError('Expected `sinks` to be a non-empty array of SpanSinks');
    }
    sinks.forEach((sink, i) => {
      if (sink === null || typeof sink !== 'object' || typeof sink.write !== 'function') {
        throw new TypeError(`Expected \`sinks[${i}]\` to be a SpanSink with a write() method`);
      }
    });
    if (options === null || typeof options !== 'object') {
      throw new TypeError('Expected `options` to be an object');
    }
    const branchTimeoutMs = options.branchTimeoutMs ?? 4000;
    assertTimerMs('branchTimeoutMs', branchTimeoutMs);
    const maxPending = options.maxPendingPerBranch ?? 4;
    if (!Number.isSafeInteger(maxPending) || maxPending < 1) {
      throw new RangeError(
        `Expected \`maxPendingPerBranch\` to be a whole number >= 1, got ${String(maxPending)}`,
      );
    }
    if (options.onError !== undefined && typeof options.onError !== 'function') {
      throw new TypeError('Expected `onError` to be a function');
    }
    this.#sinks = [...sinks];
    this.#branchTimeoutMs = branchTimeoutMs;
    this.#maxPending = maxPending;
    this.#onError = options.onError ?? warnOncePerBranch();
    this.#pending = this.#sinks.map(() => 0);
    this.#stats = this.#sinks.map((sink) => ({
      sink: safeString(sink),
      writtenSpans: 0,
      failedSpans: 0,
      timedOutSpans: 0,
      lateFailedSpans: 0,
      skippedSpans: 0,
      lostCountRecords: 0,
      errors: 0,
    }));
  }

  /** Hands the batch to every branch; settles when each has settled or timed out. Never rejects. */
  async write(spans: readonly SpanRecord[]): Promise<void> {
    const count = spans.length;
    await Promise.all(
      this.#sinks.map(async (sink, i) => {
        const stats = this.#stats[i]!;
        const outcome = await this.#call(
          i,
          'SINK_WRITE',
          'write()',
          () => sink.write(spans),
          false,
          () => {
            stats.lateFailedSpans += count;
          },
        );
        if (outcome === 'ok') stats.writtenSpans += count;
        else if (outcome === 'failed') stats.failedSpans += count;
        else if (outcome === 'timeout') stats.timedOutSpans += count;
        else stats.skippedSpans += count;
      }),
    );
  }

  /** Hands the count records to every branch that takes them. Never rejects. */
  async writeCounts(counts: readonly CountRecord[]): Promise<void> {
    await Promise.all(
      this.#sinks.map(async (sink, i) => {
        if (sink.writeCounts === undefined) return;
        const outcome = await this.#call(i, 'SINK_COUNTS', 'writeCounts()', () =>
          sink.writeCounts!(counts),
        );
        if (outcome !== 'ok') this.#stats[i]!.lostCountRecords += counts.length;
      }),
    );
  }

  /** Flushes every branch that can. Never rejects. */
  async flush(): Promise<void> {
    await Promise.all(
      this.#sinks.map((sink, i) =>
        sink.flush === undefined
          ? undefined
          : this.#call(i, 'SINK_FLUSH', 'flush()', () => sink.flush!(), true),
      ),
    );
  }

  /** Closes every branch that can. Never rejects. */
  async close(): Promise<void> {
    await Promise.all(
      this.#sinks.map((sink, i) =>
        sink.close === undefined
          ? undefined
          : this.#call(i, 'SINK_CLOSE', 'close()', () => sink.close!(), true),
      ),
    );
  }

  /** Calls every branch's `flushSync()` (at process exit); a throwing branch does not stop the others. */
  flushSync(): void {
    this.#sinks.forEach((sink, i) => {
      if (sink.flushSync === undefined) return;
      try {
        sink.flushSync();
      } catch (error) {
        this.#fail(
          i,
          new ProfilerError('SINK_FLUSH', `branch ${i} flushSync() failed: ${message(error)}`, {
            cause: error,
          }),
        );
      }
    });
  }

  /**
   * A snapshot of every branch's counters, in the order of `sinks`, with each branch's own
   * {@link SinkStats}; and their sum as `storedSpans`/`lostSpans` when every branch reports them
   * (see {@link TeeSinkStats} for how copies are counted). A branch whose `stats()` throws or
   * reports no figures leaves the sum out.
   */
  stats(): TeeSinkStats {
    let storedSpans: number | undefined = 0;
    let lostSpans = 0;
    const branches = this.#stats.map((counters, i) => {
      const branch: TeeBranchStats = { ...counters };
      const own = sinkStatsOf(this.#sinks[i]!);
      if (own === undefined) {
        storedSpans = undefined;
        return branch;
      }
      branch.storedSpans = own.storedSpans;
      branch.lostSpans = own.lostSpans;
      if (storedSpans !== undefined) {
        storedSpans += own.storedSpans;
        lostSpans +=
          own.lostSpans + counters.failedSpans + counters.skippedSpans + counters.lateFailedSpans;
      }
      return branch;
    });
    return storedSpans === undefined ? { branches } : { branches, storedSpans, lostSpans };
  }

  /** `TeeSink{branches=[...], branchTimeoutMs=..., maxPendingPerBranch=...}`. */
  toString(): string {
    return `TeeSink{branches=[${this.#stats.map((b) => b.sink).join(', ')}], branchTimeoutMs=${this.#branchTimeoutMs}, maxPendingPerBranch=${this.#maxPending}}`;
  }

  async #call(
    i: number,
    code: 'SINK_WRITE' | 'SINK_COUNTS' | 'SINK_FLUSH' | 'SINK_CLOSE',
    what: string,
    call: () => void | Promise<void>,
    unbounded = false,
    onLateFailure?: () => void,
  ): Promise<'ok' | 'failed' | 'timeout' | 'skipped'> {
    if (!unbounded && this.#pending[i]! >= this.#maxPending) {
      this.#fail(
        i,
        new ProfilerError(
          code,
          `branch ${i} (${this.#stats[i]!.sink}) has ${this.#maxPending} unfinished calls; ${what} skipped`,
        ),
      );
      return 'skipped';
    }
    let result: void | Promise<void>;
    try {
      result = call();
    } catch (error) {
      this.#fail(
        i,
        new ProfilerError(code, `branch ${i} ${what} failed: ${message(error)}`, { cause: error }),
      );
      return 'failed';
    }
    if (!isPromiseLike(result)) return 'ok';
    this.#pending[i]!++;
    const settled = Promise.resolve(result).then(
      () => 'ok' as const,
      (error: unknown) => ({ error }),
    );
    void settled.then(() => {
      this.#pending[i]!--;
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#branchTimeoutMs);
      timer.unref();
    });
    const outcome = await Promise.race([settled, timeout]);
    clearTimeout(timer);
    if (outcome === 'ok') return 'ok';
    if (outcome === 'timeout') {
      if (onLateFailure !== undefined) {
        void settled.then((late) => {
          if (late !== 'ok') onLateFailure();
        });
      }
      this.#fail(
        i,
        new ProfilerError(
          'SINK_TIMEOUT',
          `branch ${i} ${what} did not settle within ${this.#branchTimeoutMs} ms`,
        ),
      );
      return 'timeout';
    }
    const { error } = outcome;
    this.#fail(
      i,
      new ProfilerError(code, `branch ${i} ${what} failed: ${message(error)}`, { cause: error }),
    );
    return 'failed';
  }

  #fail(i: number, error: ProfilerError): void {
    this.#stats[i]!.errors++;
    try {
      this.#onError(error, i);
    } catch {
      // a throwing onError must not stop the other branches
    }
  }
}

function warnOncePerBranch(): (error: ProfilerError, branch: number) => void {
  const warned = new Set<number>();
  return (error, branch) => {
    if (warned.has(branch)) return;
    warned.add(branch);
    process.emitWarning(`TeeSink: ${error.message}`, {
      type: 'FerretWarning',
      code: `FERRET_${error.code}`,
    });
  };
}

/** A branch's {@link SinkStats}; undefined when it reports none or its `stats()` throws. */
function sinkStatsOf(sink: SpanSink): SinkStats | undefined {
  try {
    return readSinkStats(sink);
  } catch {
    return undefined;
  }
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '(sink)';
  }
}
