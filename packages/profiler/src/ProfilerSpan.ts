import type { NoOpSpan } from './NoOpSpan.js';
import type { Span } from './Span.js';
import type { Attributes, SpanStatus } from './SpanRecord.js';

/**
 * What every span handed out by the profiler offers, recorded ({@link Span}) or not
 * ({@link NoOpSpan}): the counterpart of OpenTelemetry's `Span` interface. Code that only tags
 * and ends spans can be written against it and never needs to know whether the call was recorded.
 */
export interface ProfilerSpan extends Disposable {
  /** `true` on a recorded span, `false` on the no-op span. */
  readonly isRecording: boolean;
  /** The span's name (the empty string on the no-op span). */
  readonly name: string;
  /** True once a recorded span has ended; always `false` on the no-op span, which never records. */
  readonly ended: boolean;
  /** W3C span id: 16 lowercase hex characters (all zeros on the no-op span). */
  readonly spanId: string;
  /** W3C trace id: 32 lowercase hex characters (all zeros on the no-op span). */
  readonly traceId: string;
  /** The parent's span id, or `undefined` on a root and on the no-op span. */
  readonly parentSpanId: string | undefined;
  /** Adds or replaces tags; returns the span for chaining. Never throws. */
  annotate(attributes: Attributes): this;
  /** Marks the span failed with `error.type` and `error.message`; returns the span. Never throws. */
  recordError(error: unknown): this;
  /** Ends the span (once; later calls are ignored). */
  end(status?: SpanStatus): void;
  /** A one-line description. */
  toString(): string;
}

/**
 * What `measure()`, `start()` and `currentSpan()` hand out: a recorded span or the no-op one.
 * Both implement {@link ProfilerSpan}; `span.isRecording` tells them apart.
 */
export type AnySpan = Span | NoOpSpan;
