import { assertKnownOptions, optionKeys } from '@ferret/internal';
import type { CountRecord, SpanRecord, SpanSink } from '@ferret/profiler';
import type { Attributes, MeterProvider } from '@opentelemetry/api';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { AttributeConverter } from './AttributeConverter.js';
import { CallsCounter } from './CallsCounter.js';
import { describeError, OtelBridgeError, warnOncePerCode } from './OtelBridgeError.js';
import { MalformedRecordError, ReadableSpanFactory } from './ReadableSpanFactory.js';

/** `ExportResultCode.SUCCESS` of @opentelemetry/core. */
const SUCCESS = 0;
/** Distinct (runId, pid) resources kept; a sink normally sees one. */
const MAX_RESOURCES = 16;
const DEFAULT_SERVICE_NAME = 'unknown_service:node';

/** Options of {@link OtelExporterSink}. */
export interface OtelExporterSinkOptions {
  /**
   * Where spans go: any OpenTelemetry JS `SpanExporter` (sdk-trace-base 2.x), e.g.
   * `OTLPTraceExporter` from `@opentelemetry/exporter-trace-otlp-http` / `-proto` / `-grpc`,
   * `ConsoleSpanExporter` or `InMemorySpanExporter`. Pass a function returning one to have a
   * constructor error reported through `onError` (once) instead of thrown: the sink then drops
   * and counts every batch, and the profiler keeps running. Required.
   */
  exporter: SpanExporter | (() => SpanExporter);
  /**
   * `service.name` of the resource. Default: the `OTEL_SERVICE_NAME` environment variable, else
   * `unknown_service:node` (OpenTelemetry's default).
   */
  serviceName?: string;
  /** More resource attributes (e.g. `deployment.environment.name`). Default none. */
  resourceAttributes?: Attributes;
  /**
   * Where the `ferret.calls` counter is reported. Default: the global `MeterProvider`, looked up
   * at the first count record (so an SDK registered after the sink is created is used).
   */
  meterProvider?: MeterProvider;
  /**
   * Most exports awaiting the exporter's result at once; a batch that finds this many is dropped
   * and counted (`droppedSpans`), which bounds memory when the receiver hangs. Default 2.
   */
  maxConcurrentExports?: number;
  /** Called with the bridge's own failures. Default: one `process.emitWarning` per error code. */
  onError?: (error: OtelBridgeError) => void;
}

/** Every key of {@link OtelExporterSinkOptions}: any other key is refused (a misspelt option). */
const OTEL_EXPORTER_SINK_OPTION_KEYS = optionKeys<OtelExporterSinkOptions>({
  exporter: true,
  serviceName: true,
  resourceAttributes: true,
  meterProvider: true,
  maxConcurrentExports: true,
  onError: true,
});

/** What {@link OtelExporterSink.stats} returns: counters since construction. */
export interface OtelExporterSinkStats {
  /** Spans the exporter reported delivered (`ExportResultCode.SUCCESS`). */
  exportedSpans: number;
  /**
   * The profiler's `SinkStats.storedSpans`: the same as `exportedSpans`, since `write()` resolves
   * only once the exporter reported success.
   */
  storedSpans: number;
  /** The profiler's `SinkStats.lostSpans`: always 0, a batch whose export fails rejects `write()`. */
  lostSpans: number;
  /** Spans in exports that failed (the exporter reported `FAILED` or threw). */
  failedSpans: number;
  /** Spans dropped before reaching the exporter: no exporter, or too many exports in flight. */
  droppedSpans: number;
  /** Records skipped because their ids or times were unusable. */
  malformedSpans: number;
  /** Spans handed to the exporter whose result has not arrived yet. */
  spansInFlight: number;
  /** Attribute values converted to OpenTelemetry types (bigint, Date). */
  convertedAttributes: number;
  /** Attribute values dropped (nested objects, functions, mixed arrays, more than 128). */
  droppedAttributes: number;
  /** Calls added to the `ferret.calls` counter. */
  countedCalls: number;
}

/**
 * A Ferret `SpanSink` that converts span records into OpenTelemetry `ReadableSpan`s and hands
 * each batch to an OpenTelemetry `SpanExporter`, and turns the profiler's exact count records
 * into the monotonic counter `ferret.calls{span.name}`.
 *
 * Batching, time-outs and drop counting are the profiler's: one `write()` per flushed batch, its
 * promise settles when the exporter reports the result (rejecting on `FAILED`, so the profiler
 * counts the batch in `droppedBySink` and reports it through its `onError`), and a receiver that
 * hangs costs the host at most `sinkTimeoutMs` per batch, off the caller's path.
 *
 * @example
 * ```ts
 * import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
 * const sink = new OtelExporterSink({
 *   exporter: () => new OTLPTraceExporter({ url: 'http://127.0.0.1:4318/v1/traces' }),
 *   serviceName: 'checkout',
 * });
 * const profiler = new Profiler({ maxSpansPerSecond: 200, sink });
 * ```
 */
export class OtelExporterSink implements SpanSink {
  readonly #exporter: SpanExporter | undefined;
  readonly #factory: ReadableSpanFactory;
  readonly #attributes = new AttributeConverter();
  readonly #calls: CallsCounter;
  readonly #maxConcurrentExports: number;
  readonly #onError: (error: OtelBridgeError) => void;
  readonly #serviceName: string;
  readonly #resourceAttributes: Attributes;
  readonly #resources = new Map<string, Resource>();
  readonly #inFlight = new Set<Promise<void>>();
  #spansInFlight = 0;
  #exportedSpans = 0;
  #failedSpans = 0;
  #droppedSpans = 0;
  #malformedSpans = 0;
  #closed = false;

  /** @throws TypeError / RangeError naming the option, for invalid options. */
  constructor(options: OtelExporterSinkOptions) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new TypeError(`Expected \`options\` to be an object, got ${describe(options)}`);
    }
    assertKnownOptions('OtelExporterSink', options, OTEL_EXPORTER_SINK_OPTION_KEYS);
    const { exporter, serviceName, resourceAttributes, meterProvider, onError } = options;
    if (typeof exporter !== 'function' && !isSpanExporter(exporter)) {
      throw new TypeError(
        `Expected \`exporter\` to be a SpanExporter (export, shutdown) or a function returning one, got ${describe(exporter)}`,
      );
    }
    if (serviceName !== undefined && (typeof serviceName !== 'string' || serviceName === '')) {
      throw new TypeError(
        `Expected \`serviceName\` to be a non-empty string, got ${describe(serviceName)}`,
      );
    }
    if (
      resourceAttributes !== undefined &&
      (resourceAttributes === null ||
        typeof resourceAttributes !== 'object' ||
        Array.isArray(resourceAttributes))
    ) {
      throw new TypeError(
        `Expected \`resourceAttributes\` to be an object, got ${describe(resourceAttributes)}`,
      );
    }
    if (
      meterProvider !== undefined &&
      (meterProvider === null || typeof meterProvider.getMeter !== 'function')
    ) {
      throw new TypeError(
        `Expected \`meterProvider\` to be a MeterProvider, got ${describe(meterProvider)}`,
      );
    }
    if (onError !== undefined && typeof onError !== 'function') {
      throw new TypeError(`Expected \`onError\` to be a function, got ${describe(onError)}`);
    }
    const maxConcurrentExports = options.maxConcurrentExports ?? 2;
    if (!Number.isSafeInteger(maxConcurrentExports) || maxConcurrentExports < 1) {
      throw new RangeError(
        `Expected \`maxConcurrentExports\` to be a whole number >= 1, got ${describe(maxConcurrentExports)}`,
      );
    }
    this.#maxConcurrentExports = maxConcurrentExports;
    this.#onError = onError ?? warnOncePerCode();
    const fromEnv = process.env.OTEL_SERVICE_NAME?.trim();
    this.#serviceName = serviceName ?? (fromEnv ? fromEnv : DEFAULT_SERVICE_NAME);
    this.#resourceAttributes = { ...resourceAttributes };
    this.#calls = new CallsCounter(meterProvider);
    this.#factory = new ReadableSpanFactory(this.#attributes, (runId, pid) =>
      this.#resource(runId, pid),
    );
    if (typeof exporter === 'function') {
      let created: unknown;
      try {
        created = exporter();
      } catch (error) {
        this.#report(
          'EXPORTER_CONSTRUCTOR',
          `the exporter could not be created; spans will be dropped and counted: ${describeError(error)}`,
          error,
        );
      }
      if (created !== undefined && !isSpanExporter(created)) {
        this.#report(
          'EXPORTER_CONSTRUCTOR',
          `the exporter function returned ${describe(created)}, not a SpanExporter; spans will be dropped and counted`,
        );
        created = undefined;
      }
      this.#exporter = created as SpanExporter | undefined;
    } else {
      this.#exporter = exporter;
    }
  }

  /** The exporter spans go to; undefined when the exporter function failed. */
  get exporter(): SpanExporter | undefined {
    return this.#exporter;
  }

  /**
   * Converts the batch and exports it. Resolves when the exporter reports success; rejects when
   * it reports failure, when there is no exporter, or when `maxConcurrentExports` exports are
   * still unfinished (the batch is dropped and counted). Never throws synchronously.
   */
  write(records: readonly SpanRecord[]): Promise<void> {
    const exporter = this.#exporter;
    const count = Array.isArray(records) ? records.length : 0;
    if (exporter === undefined || this.#closed) {
      this.#droppedSpans += count;
      return Promise.reject(
        new OtelBridgeError(
          'EXPORTER_CONSTRUCTOR',
          this.#closed ? 'the sink is closed' : 'no exporter: its constructor failed',
        ),
      );
    }
    if (this.#inFlight.size >= this.#maxConcurrentExports) {
      this.#droppedSpans += count;
      return Promise.reject(
        new OtelBridgeError(
          'EXPORTS_BUSY',
          `${this.#maxConcurrentExports} exports are still unfinished; ${count} spans dropped`,
        ),
      );
    }
    const spans = this.#convert(records);
    if (spans.length === 0) return Promise.resolve();
    const exported = this.#export(exporter, spans);
    this.#inFlight.add(exported);
    const forget = (): void => {
      this.#inFlight.delete(exported);
    };
    exported.then(forget, forget);
    return exported;
  }

  /** Adds each record's exact calls to `ferret.calls{span.name}`. */
  writeCounts(counts: readonly CountRecord[]): void {
    if (!Array.isArray(counts)) return;
    try {
      this.#calls.add(counts);
    } catch (error) {
      this.#report('METRICS', `ferret.calls could not be updated: ${describeError(error)}`, error);
      throw error;
    }
  }

  /** Waits for the exports in flight, then calls the exporter's `forceFlush()`. */
  async flush(): Promise<void> {
    await this.#settled();
    await this.#exporter?.forceFlush?.();
  }

  /** Waits for the exports in flight and shuts the exporter down. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#settled();
    await this.#exporter?.shutdown();
  }

  /** A snapshot of the counters. */
  stats(): OtelExporterSinkStats {
    return {
      exportedSpans: this.#exportedSpans,
      storedSpans: this.#exportedSpans,
      lostSpans: 0,
      failedSpans: this.#failedSpans,
      droppedSpans: this.#droppedSpans,
      malformedSpans: this.#malformedSpans,
      spansInFlight: this.#spansInFlight,
      convertedAttributes: this.#attributes.converted,
      droppedAttributes: this.#attributes.dropped,
      countedCalls: this.#calls.added,
    };
  }

  /**
   * `OtelExporterSink{exporter=..., serviceName=..., maxConcurrentExports=..., exported=...,
   * failed=..., dropped=...}`.
   */
  toString(): string {
    const name = this.#exporter?.constructor?.name ?? 'none';
    return `OtelExporterSink{exporter=${name}, serviceName=${this.#serviceName}, maxConcurrentExports=${this.#maxConcurrentExports}, exported=${this.#exportedSpans}, failed=${this.#failedSpans}, dropped=${this.#droppedSpans}}`;
  }

  #convert(records: readonly SpanRecord[]): ReadableSpan[] {
    const spans: ReadableSpan[] = [];
    let malformed = 0;
    let first = '';
    for (const record of records) {
      try {
        spans.push(this.#factory.create(record));
      } catch (error) {
        malformed++;
        first ||= error instanceof MalformedRecordError ? error.message : describeError(error);
      }
    }
    if (malformed > 0) {
      this.#malformedSpans += malformed;
      this.#report(
        'MALFORMED_RECORD',
        `skipped ${malformed} of ${records.length} span records: ${first}`,
      );
    }
    return spans;
  }

  #export(exporter: SpanExporter, spans: ReadableSpan[]): Promise<void> {
    const count = spans.length;
    this.#spansInFlight += count;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const done = (result: { code: number; error?: Error | undefined }): void => {
        if (settled) return;
        settled = true;
        this.#spansInFlight -= count;
        if (result?.code === SUCCESS) {
          this.#exportedSpans += count;
          resolve();
          return;
        }
        this.#failedSpans += count;
        reject(
          new OtelBridgeError(
            'EXPORT_FAILED',
            `the exporter did not deliver ${count} spans: ${describeError(result?.error ?? 'no reason given')}`,
            {
              cause: result?.error,
            },
          ),
        );
      };
      try {
        exporter.export(spans, done);
      } catch (error) {
        done({ code: 1, error: error instanceof Error ? error : new Error(describeError(error)) });
      }
    });
  }

  async #settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #resource(runId: string, pid: number): Resource {
    const key = `${runId}\u0000${pid}`;
    let resource = this.#resources.get(key);
    if (resource === undefined) {
      if (this.#resources.size >= MAX_RESOURCES) this.#resources.clear();
      const attributes: Attributes = {
        ...this.#resourceAttributes,
        'service.name': this.#serviceName,
        'telemetry.sdk.language': 'nodejs',
      };
      if (runId !== '') attributes['service.instance.id'] = runId;
      if (Number.isSafeInteger(pid)) attributes['process.pid'] = pid;
      resource = resourceFromAttributes(attributes);
      this.#resources.set(key, resource);
    }
    return resource;
  }

  #report(code: OtelBridgeError['code'], message: string, cause?: unknown): void {
    try {
      this.#onError(new OtelBridgeError(code, `OtelExporterSink: ${message}`, { cause }));
    } catch {
      // a throwing onError must not break export
    }
  }
}

function isSpanExporter(value: unknown): value is SpanExporter {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as SpanExporter).export === 'function' &&
    typeof (value as SpanExporter).shutdown === 'function'
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return String(value);
  return typeof value;
}
