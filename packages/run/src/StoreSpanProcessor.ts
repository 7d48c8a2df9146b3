import {
  assertIntegerAtLeast,
  assertKnownOptions,
  assertOptionsObject,
  assertTimerMs,
  optionKeys,
  SAMPLED_NAME_ATTRIBUTE,
} from '@ferret/internal';
import type { SqliteSpanExporter } from '@ferret/store-sqlite/otel';
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startOnPerformanceClock } from './performanceClockStart.js';
import { isLocalRoot, runTagOf } from './runTag.js';

/** Options for {@link StoreSpanProcessor}. */
export interface StoreSpanProcessorOptions {
  /** Most ended spans held between hand-offs; beyond it spans are dropped and counted. Default 4096. */
  maxQueueSize?: number;
  /** Hand-off period, ms. Default 1000. */
  flushIntervalMs?: number;
  /**
   * The id of the run (the `ProfilerSampler`'s `runId`): a span under a remote parent decided by
   * a process of the same run is a child; any other span under a remote parent is a root, like a
   * span without a parent. Without it, every span under a remote parent is a root.
   */
  runId?: string;
}

/** Every key of {@link StoreSpanProcessorOptions}: any other key is refused (a misspelt option). */
const STORE_SPAN_PROCESSOR_OPTION_KEYS = optionKeys<StoreSpanProcessorOptions>({
  maxQueueSize: true,
  flushIntervalMs: true,
  runId: true,
});

/**
 * Hands ended OpenTelemetry spans to a {@link SqliteSpanExporter} in batches. Unlike the SDK's
 * `BatchSpanProcessor` it can drain synchronously ({@link StoreSpanProcessor.flushSync}), which
 * the preload needs at process `exit` when the app calls `process.exit()`: the exporter's hand-off
 * to its writer thread is synchronous, and its store can wait for the commit synchronously.
 * The queue is bounded; spans beyond it are counted in {@link StoreSpanProcessor.dropped}.
 *
 * A root span (no parent, or a remote one this run did not decide: see `ProfilerSampler`) is
 * sampled, and its call counted, under the name it has when it starts; an
 * instrumentation may rename it before it ends. Such a root gets the attribute
 * `ferret.sampled_name` (the name it started with), so the reader can match it with its count
 * records, unless its call is counted under the name it ends with: an HTTP server root named
 * after its route (`GET /route`) is (see `ServerRootCounts`).
 *
 * Every span it sees starts on the clock `measure()` spans use (`performance.timeOrigin +
 * performance.now()`) rather than the SDK's whole-millisecond `Date.now()`, so library spans and
 * blocks of one trace nest in time.
 */
export class StoreSpanProcessor implements SpanProcessor {
  readonly #exporter: SqliteSpanExporter;
  readonly #maxQueueSize: number;
  readonly #flushIntervalMs: number;
  readonly #runTag: string | undefined;
  readonly #timer: ReturnType<typeof setInterval>;
  #queue: ReadableSpan[] = [];
  /** The name each open root span started with (the name it was sampled and counted under). */
  readonly #startNames = new WeakMap<Span, string>();
  #dropped = 0;
  #exported = 0;
  #shutdown = false;

  constructor(exporter: SqliteSpanExporter, options: StoreSpanProcessorOptions = {}) {
    assertOptionsObject('options', options);
    assertKnownOptions('StoreSpanProcessor', options, STORE_SPAN_PROCESSOR_OPTION_KEYS);
    const { maxQueueSize = 4096, flushIntervalMs = 1000, runId } = options;
    if (runId !== undefined && typeof runId !== 'string') {
      throw new TypeError(`Expected \`runId\` to be a string, got ${typeof runId}`);
    }
    assertIntegerAtLeast('maxQueueSize', maxQueueSize, 1);
    assertTimerMs('flushIntervalMs', flushIntervalMs);
    this.#exporter = exporter;
    this.#maxQueueSize = maxQueueSize;
    this.#flushIntervalMs = flushIntervalMs;
    this.#runTag = runId === undefined ? undefined : runTagOf(runId);
    this.#timer = setInterval(() => this.#handOff(), flushIntervalMs);
    this.#timer.unref();
  }

  /** Spans dropped because the queue was full or the processor shut down. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Spans handed to the exporter. */
  get exported(): number {
    return this.#exported;
  }

  /** Puts the span on the performance clock `measure()` spans use, and notes a local root's name. */
  onStart(span: Span, _parentContext: Context): void {
    startOnPerformanceClock(span);
    if (isLocalRoot(span.parentSpanContext, this.#runTag)) this.#startNames.set(span, span.name);
  }

  /**
   * A local root whose call is counted under the name it ends with (see `ServerRootCounts`):
   * it needs no `ferret.sampled_name`, and must not get one (the reader would share its start
   * name's count records among such roots).
   */
  countedUnderFinalName(span: object): void {
    this.#startNames.delete(span as Span);
  }

  /** Runs while the span can still take attributes (just before it ends). */
  onEnding(span: Span): void {
    const startName = this.#startNames.get(span);
    if (startName === undefined) return;
    this.#startNames.delete(span);
    if (span.name !== startName) span.setAttribute(SAMPLED_NAME_ATTRIBUTE, startName);
  }

  onEnd(span: ReadableSpan): void {
    if (this.#shutdown || this.#queue.length >= this.#maxQueueSize) {
      this.#dropped++;
      return;
    }
    this.#queue.push(span);
    if (this.#queue.length >= 512) this.#handOff();
  }

  /** Hands what is queued to the exporter and waits for the commit. */
  async forceFlush(): Promise<void> {
    this.#handOff();
    await this.#exporter.forceFlush();
  }

  /** Hands what is queued over and blocks until it is committed (for process `exit`). */
  flushSync(): void {
    this.#handOff();
    this.#exporter.store.flushSync();
  }

  /** Flushes, then closes the exporter (and its database connection). */
  async shutdown(): Promise<void> {
    if (this.#shutdown) return;
    this.#handOff();
    this.#shutdown = true;
    clearInterval(this.#timer);
    await this.#exporter.shutdown();
  }

  /** e.g. `StoreSpanProcessor{maxQueueSize=4096, flushIntervalMs=1000, queued=0, exported=12, dropped=0}`. */
  toString(): string {
    return `StoreSpanProcessor{maxQueueSize=${this.#maxQueueSize}, flushIntervalMs=${this.#flushIntervalMs}, queued=${this.#queue.length}, exported=${this.#exported}, dropped=${this.#dropped}}`;
  }

  #handOff(): void {
    if (this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#exported += batch.length;
    // The result arrives once committed; failures were already reported through the store's onError.
    this.#exporter.export(batch, () => {});
  }
}
