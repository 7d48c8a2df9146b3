import { AsyncLocalStorage } from 'node:async_hooks';
// The module binding, not the global: in Node 20 `globalThis.performance` is a lazy getter
// that costs a function call on every read.
import { performance } from 'node:perf_hooks';
import type { Clock } from '@ferret/ratelimit';
import type { BatchFlusher } from './BatchFlusher.js';
import type { ExternalContext, ExternalSpanContext } from './ExternalContext.js';
import { IdGenerator } from './IdGenerator.js';
import { measuredDecorator, type SpanNameSource, wrapMeasured } from './instrument.js';
import { type CallAndEnd, callAndEndFor } from './measuredCall.js';
import type { NameEntry } from './NameEntry.js';
import type { NameTable } from './NameTable.js';
import { NOOP_SPAN, NoOpSpan } from './NoOpSpan.js';
import { checkBudget, type ProfilerOptions, resolveProfilerOptions } from './ProfilerOptions.js';
import { ProfilerPipeline } from './ProfilerPipeline.js';
import type { AnySpan } from './ProfilerSpan.js';
import type { ProfilerStats } from './ProfilerStats.js';
import { DROP, type RootAdmission, VIA_SHARE } from './RootAdmission.js';
import { Span } from './Span.js';
import type { Attributes, SpanStatus } from './SpanRecord.js';
import type { SpanRecordBuilder } from './SpanRecordBuilder.js';
import type { StallWatchdog } from './StallWatchdog.js';

/**
 * The Ferret profiler: `measure()` and `start()` record spans while a spans-per-second budget
 * has room and hand out the shared {@link NOOP_SPAN} when it does not. The decision is taken once
 * per trace, at the root (so traces are whole), every root call is counted exactly per name, and
 * finished spans go through a bounded queue to a {@link SpanSink} in the background.
 *
 * @example
 * const profiler = new Profiler({ maxSpansPerSecond: 100, sink: new JsonLinesSink() });
 * const user = await profiler.measure('db.query', () => db.get(id), { table: 'users' });
 * await profiler.close();
 */
export class Profiler {
  // This class holds the API and the hot path (the decisions and the measured call); what runs
  // behind it (queue, sink, counts, stall recorder, exit hooks, stats) is `ProfilerPipeline`.
  readonly #als = new AsyncLocalStorage<AnySpan>();
  readonly #clock: Clock;
  /** The injected clock; undefined means `performance.now()`, called inline on the hot path. */
  readonly #customClock: Clock | undefined;
  /** The last clock read: buckets read this instead of the clock (one read per decision). */
  #now = 0;
  readonly #admission: RootAdmission;
  /** `enabled` and not closed. */
  #active: boolean;
  #closed = false;
  readonly #maxSpansPerTrace: number;
  readonly #external: ExternalContext | undefined;
  readonly #pipeline: ProfilerPipeline;
  // The pipeline's parts the hot path touches, held here directly.
  readonly #names: NameTable;
  readonly #ids = new IdGenerator();
  readonly #builder: SpanRecordBuilder;
  readonly #flusher: BatchFlusher;
  /** The last root name decided and its entry: skips the map lookup for repeated names. */
  #lastName: string | undefined;
  #lastEntry: NameEntry | undefined;
  #recordedSpans = 0;
  #truncatedSpans = 0;
  #droppedAfterClose = 0;
  /** The stall watchdog, when one runs: recorded `measure()` blocks publish themselves to it. */
  readonly #watchdog: StallWatchdog | undefined;

  /** The id of this execution, on every record. */
  readonly runId: string;

  /**
   * @throws TypeError or RangeError naming the option when an option is malformed.
   */
  constructor(options?: ProfilerOptions) {
    const o = resolveProfilerOptions(options);
    this.runId = o.runId;
    this.#customClock = o.clock;
    this.#clock = o.clock ?? (() => performance.now());
    this.#now = this.#clock();
    this.#active = o.enabled;
    this.#maxSpansPerTrace = o.maxSpansPerTrace;
    this.#external = o.externalContext;
    const pipeline = new ProfilerPipeline({
      options: o,
      owner: this,
      ids: this.#ids,
      clock: this.#clock,
      cachedClock: () => this.#now,
      now: this.#now,
      onCountsCollected: () => {
        // Collecting may evict entries: forget the cached one.
        this.#lastName = undefined;
        this.#lastEntry = undefined;
      },
    });
    this.#pipeline = pipeline;
    this.#names = pipeline.names;
    this.#admission = pipeline.admission;
    this.#builder = pipeline.builder;
    this.#flusher = pipeline.flusher;
    this.#watchdog = pipeline.stalls?.watchdog;
  }

  /** False when built with `enabled: false` (or `FERRET_ENABLED=false`) or after `close()`. */
  get enabled(): boolean {
    return this.#active;
  }

  /** The budget now in force, spans per second. */
  get maxSpansPerSecond(): number {
    return this.#admission.rate;
  }

  /**
   * Runs `fn` as a span named `name` and returns what it returns: a value, or the very same
   * promise (the span ends when it settles). Only native promises are followed; another
   * thenable (a lazy query builder) is returned untouched and its span ends when `fn` returns,
   * because calling its `then` could run it twice. Inside `fn`, and in everything it starts (awaits,
   * timers, event-emitter callbacks), the span is the parent of further `measure()` calls.
   * A throw or rejection is recorded (`status: 'error'`, `error.type`, `error.message`) and passes
   * through unchanged, the same object.
   *
   * > A recorded span observes a returned promise, which marks it handled: a rejected promise
   * > that nobody awaits raises no `unhandledRejection` when its call was recorded (the error
   * > is on the span). Await or `.catch()` what `measure()` returns.
   *
   * @param fn Receives the span: a recorded {@link Span}, or {@link NOOP_SPAN} when not recorded.
   * @param attributes Initial tags (not copied until changed: do not mutate the object afterwards).
   */
  measure<R>(name: string, fn: (span: AnySpan) => R, attributes?: Attributes): R {
    if (typeof fn !== 'function') {
      throw new TypeError(`Expected \`fn\` to be a function, got ${typeof fn}`);
    }
    if (typeof name !== 'string') {
      throw new TypeError(`Expected \`name\` to be a string, got ${typeof name}`);
    }
    if (!this.#active) return fn(NOOP_SPAN);
    const span = this.#decide(name, attributes);
    // A child of a dropped span (or one refused by the trace cap) keeps the current context:
    // no clock read, no context switch.
    if (span === undefined) return fn(NOOP_SPAN);
    if (span === NOOP_SPAN) return this.#als.run(NOOP_SPAN, fn, NOOP_SPAN);
    if (this.#watchdog !== undefined) return this.#runWatched(span as Span, fn, this.#watchdog);
    return this.#runRecorded(span as Span, fn);
  }

  /**
   * Starts a span that the caller must end (`span.end()`, or `using span = profiler.start(...)`).
   * Its parent is the current span, but it does not become the current span itself: run code
   * under it with {@link withSpan}. A span never ended is never recorded.
   */
  start(name: string, attributes?: Attributes): AnySpan {
    if (typeof name !== 'string') {
      throw new TypeError(`Expected \`name\` to be a string, got ${typeof name}`);
    }
    if (!this.#active) return NOOP_SPAN;
    return this.#decide(name, attributes) ?? NOOP_SPAN;
  }

  /** Runs `fn` with `span` (from {@link start}) as the current span, so it parents what `fn` measures. */
  withSpan<R>(span: AnySpan, fn: () => R): R {
    if (typeof fn !== 'function') {
      throw new TypeError(`Expected \`fn\` to be a function, got ${typeof fn}`);
    }
    if (span instanceof NoOpSpan) return this.#active ? this.#als.run(NOOP_SPAN, fn) : fn();
    if (!(span instanceof Span) || span._owner !== this) {
      throw new TypeError('Expected `span` to be a span started by this profiler');
    }
    if (!this.#active) return fn();
    const external = this.#external;
    if (external === undefined) return this.#als.run(span, fn);
    return this.#als.run(span, () => external.runWithSpan(span, fn));
  }

  /** The current span ({@link NOOP_SPAN} outside any, or inside a dropped trace). */
  currentSpan(): AnySpan {
    return this.#als.getStore() ?? NOOP_SPAN;
  }

  /**
   * Wraps `fn` so that each call is measured. The name is a string, a function of the call's
   * arguments (`(id) => \`load ${id}\``), or, with one argument, `fn.name`. A name function that
   * throws is reported through `onError` and the function's own name is used.
   */
  wrap<This, Args extends unknown[], Return>(
    fn: (this: This, ...args: Args) => Return,
  ): (this: This, ...args: Args) => Return;
  wrap<This, Args extends unknown[], Return>(
    name: string | ((this: This, ...args: NoInfer<Args>) => string),
    fn: (this: This, ...args: Args) => Return,
  ): (this: This, ...args: Args) => Return;
  wrap<This, Args extends unknown[], Return>(
    nameOrFn: string | ((this: This, ...args: Args) => unknown),
    maybeFn?: (this: This, ...args: Args) => Return,
  ): (this: This, ...args: Args) => Return {
    return wrapMeasured(
      this,
      this.#pipeline.report,
      nameOrFn as SpanNameSource<This, Args>,
      maybeFn,
    );
  }

  /**
   * A standard (TC39, TypeScript 5 `experimentalDecorators`-free) method decorator: each call of
   * the method is measured. Default name `ClassName.method`; or a string; or a function of the
   * call's arguments (called with the instance as `this`).
   *
   * @example
   * class Repo { @profiler.measured() async load(id: string) { ... } }
   */
  measured<This, Args extends unknown[], Return>(
    name?: string | ((this: This, ...args: Args) => string),
  ): (
    target: (this: This, ...args: Args) => Return,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Return>,
  ) => (this: This, ...args: Args) => Return {
    return measuredDecorator(this, this.#pipeline.report, name);
  }

  /**
   * Changes the budget at run time. The bucket keeps its balance (clamped to the new burst), so
   * a change never hands out a fresh burst; fair shares follow on each name's next call.
   */
  setMaxSpansPerSecond(maxSpansPerSecond: number, burst?: number): void {
    checkBudget(maxSpansPerSecond, burst);
    this.#now = this.#clock();
    this.#admission.setBudget(maxSpansPerSecond, burst);
  }

  /**
   * For a bridge whose tracer starts its own traces (an OpenTelemetry `Sampler`): decides a root
   * span named `name` of that tracer exactly as `measure()` decides a root (same bucket, fair
   * share per name, the call counted in the count records). Returns the sampling weight (>= 1)
   * when the trace is admitted, 0 when it is not. Never throws.
   */
  admitExternalRoot(name: string): number {
    if (!this.#active || typeof name !== 'string') return 0;
    const span = this.#decideRoot(name, undefined);
    return span instanceof Span ? span._weight : 0;
  }

  /**
   * For a bridge whose roots get their final name only when they end (an HTTP server span is
   * named after its route when the response ends): takes the root call of `name` that
   * {@link admitExternalRoot} just counted out of `name`'s count records, so that the bridge
   * counts it under the final name with {@link countExternalRoot}. The weight and the fair share
   * stay with `name`: the decision is not undone. `recorded`: whether `admitExternalRoot`
   * admitted it. Call it in the same synchronous turn as the admission (counts are collected
   * between turns). Returns false, leaving the call counted under `name`, when there is no such
   * call to take (nothing admitted under that name since the last collection, or the profiler is
   * off); then do not count it again. Never throws.
   */
  deferExternalRootCount(name: string, recorded: boolean): boolean {
    return this.#active && typeof name === 'string' && this.#names.moveOut(name, recorded === true);
  }

  /**
   * For a bridge: counts one root call named `name` in the count records (`recorded` or not)
   * without deciding anything: no bucket, fair share or weight changes. It is how a call deferred
   * with {@link deferExternalRootCount} is counted under the root's final name (a name beyond
   * `maxNames` is counted under `(other)`, one beyond `maxNameLength` under its cut form, as a
   * root's). Never throws.
   */
  countExternalRoot(name: string, recorded: boolean): void {
    if (this.#active && typeof name === 'string') this.#names.moveIn(name, recorded === true);
  }

  /**
   * For a bridge: charges one span of an admitted external trace (a child of a sampled span) to
   * the budget, as bucket debt, the way a `measure()` child is charged. With `rootName`, the name
   * its trace's root was admitted under ({@link admitExternalRoot}), the child is charged to that
   * name's fair share too, as a `measure()` child is to its root's, so a name whose traces are
   * large does not take the other names' share. Never throws.
   */
  chargeExternalChild(rootName?: string): void {
    if (!this.#active) return;
    this.#now = this.#customClock === undefined ? performance.now() : this.#customClock();
    const entry = typeof rootName === 'string' ? this.#names.peek(rootName) : undefined;
    this.#admission.chargeChild(entry?.share);
    this.#recordedSpans++;
  }

  /**
   * Hands everything queued, and the counts so far, to the sink, then calls `sink.flush()`.
   * Settles within `sinkTimeoutMs` even when the sink never does (and nothing else keeps the
   * process alive); spans still queued then stay queued. Never rejects.
   */
  flush(): Promise<void> {
    return this.#pipeline.flush();
  }

  /**
   * Stops recording (later calls pass through), drains the queue and the counts, and closes the
   * sink, each step bounded by `sinkTimeoutMs` so a hanging sink cannot hang `close()`. Idempotent;
   * never rejects.
   */
  close(): Promise<void> {
    this.#active = false;
    this.#closed = true;
    return this.#pipeline.close();
  }

  /** Counters since construction: a snapshot, safe to keep. */
  stats(): ProfilerStats {
    return this.#pipeline.stats({
      enabled: this.#active,
      recordedSpans: this.#recordedSpans,
      truncatedSpans: this.#truncatedSpans,
      droppedAfterClose: this.#droppedAfterClose,
    });
  }

  /** E.g. `Profiler{enabled=true, maxSpansPerSecond=1000, burst=1000, maxSpansPerTrace=1000, ...}`. */
  toString(): string {
    return this.#pipeline.describe(this.#active);
  }

  /** @internal Called by `Span.end()` and by `measure()` when `fn` finishes. */
  _endSpan(span: Span, status: SpanStatus | undefined): void {
    if (span._duration >= 0) return;
    const duration =
      (this.#customClock === undefined ? performance.now() : this.#customClock()) - span._start;
    span._duration = Math.max(duration, 0);
    if (status === 'ok' || status === 'error') span._status = status;
    if (this.#closed) {
      this.#droppedAfterClose++;
      return;
    }
    this.#flusher.push(span);
  }

  /** @internal Called by `Span.annotate()` when the caller's tags could not be read. */
  _dropAttributes(): void {
    this.#builder.droppedAttributes++;
  }

  /** @internal What the `exit` hook runs: hands everything to the sink synchronously. */
  flushAtExit(): void {
    this.#pipeline.flushAtExit();
  }

  /**
   * The decision. Returns `undefined` for "not recorded, keep the current context" (child of a
   * dropped span, trace cap), `NOOP_SPAN` for "not recorded, children must see that" (dropped
   * root), or the new recorded span.
   */
  #decide(name: string, attributes: Attributes | undefined): AnySpan | undefined {
    const parent = this.#als.getStore();
    if (parent !== undefined) {
      if (parent === NOOP_SPAN) return undefined;
      return this.#decideChild(parent as Span, name, attributes);
    }
    const external = this.#external;
    if (external !== undefined) {
      const outer = external.activeSpan();
      if (outer !== undefined) return this.#joinExternal(outer, name, attributes);
    }
    return this.#decideRoot(name, attributes);
  }

  /**
   * A span whose parent is another tracer's current span: it joins that trace (a not-sampled one
   * makes it a no-op) and is charged like a child. In Ferret's terms it is the root of its own
   * subtree (per-trace cap, truncation count), with the outer span as parent in the record, and
   * it takes the outer trace's weight, which its subtree inherits.
   */
  #joinExternal(
    outer: ExternalSpanContext,
    name: string,
    attributes: Attributes | undefined,
  ): AnySpan {
    if (!outer.sampled || this.#admission.rate === 0) return NOOP_SPAN;
    const now = this.#customClock === undefined ? performance.now() : this.#customClock();
    this.#now = now;
    const rootName = outer.rootName;
    const rootEntry = typeof rootName === 'string' ? this.#names.peek(rootName) : undefined;
    this.#admission.chargeChild(rootEntry?.share);
    this.#recordedSpans++;
    const ids = this.#ids;
    const offset = ids.take(16);
    const pool = outer.traceId + ids.pool.substring(offset, offset + 16);
    const span = new Span(this, name, attributes, now, undefined, pool, 0);
    span._externalParentId = outer.spanId;
    const weight = outer.weight;
    if (typeof weight === 'number' && weight > 1 && Number.isFinite(weight)) span._weight = weight;
    return span;
  }

  /** The root decision: fair share, bucket, count. */
  #decideRoot(name: string, attributes: Attributes | undefined): AnySpan {
    const now = this.#customClock === undefined ? performance.now() : this.#customClock();
    this.#now = now;
    const names = this.#names;
    if (now >= names.windowEnd) names.advance(now);
    let entry = this.#lastEntry;
    if (name !== this.#lastName || entry === undefined) {
      entry = names.entryFor(name);
      // Cache only real entries: overflow calls must keep being counted as such.
      if (entry.name === name) {
        this.#lastName = name;
        this.#lastEntry = entry;
      }
    }
    if (entry.epoch !== names.epoch) names.refresh(entry);
    entry.calls++;
    // Fast refusal: a lower bound of when this name could next be admitted, computed at its
    // last refusal (tokens only ever arrive with time, so the bound stays valid).
    if (now < entry.blockedUntil) return NOOP_SPAN;
    const admission = this.#admission.admit(entry, now);
    if (admission === DROP) return NOOP_SPAN;
    entry.recorded++;
    this.#recordedSpans++;
    const ids = this.#ids;
    const offset = ids.take(48);
    const span = new Span(this, name, attributes, now, undefined, ids.pool, offset);
    span._weight = entry.weight();
    if (admission === VIA_SHARE) span._shareBucket = entry.share;
    return span;
  }

  #decideChild(parent: Span, name: string, attributes: Attributes | undefined): Span | undefined {
    const root = parent._root;
    if (root._spanCount >= this.#maxSpansPerTrace) {
      root._truncated++;
      this.#truncatedSpans++;
      return undefined;
    }
    root._spanCount++;
    const now = this.#customClock === undefined ? performance.now() : this.#customClock();
    this.#now = now;
    // Children of an admitted trace borrow from the future (bucket debt) so traces stay whole.
    this.#admission.chargeChild(root._shareBucket);
    this.#recordedSpans++;
    const ids = this.#ids;
    const offset = ids.take(16);
    return new Span(this, name, attributes, now, parent, ids.pool, offset);
  }

  #runRecorded<R>(span: Span, fn: (span: AnySpan) => R): R {
    const external = this.#external;
    if (external === undefined) return this.#als.run(span, this.#callAndEnd, fn, span) as R;
    return this.#als.run(span, () =>
      external.runWithSpan(span, () => this.#callAndEnd(fn, span) as R),
    );
  }

  /** Runs `fn(span)` and ends the span when `fn` returns, throws or settles (see {@link callAndEndFor}). */
  readonly #callAndEnd: CallAndEnd = callAndEndFor(this, this.#als);

  /** {@link runRecorded} with `span` published to the stall watchdog while `fn` runs synchronously. */
  #runWatched<R>(span: Span, fn: (span: AnySpan) => R, watchdog: StallWatchdog): R {
    const outer = watchdog.enter(span);
    try {
      return this.#runRecorded(span, fn);
    } finally {
      watchdog.leave(outer);
    }
  }
}
