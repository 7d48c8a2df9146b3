import type { ProfilerSpan } from './ProfilerSpan.js';
import type { Attributes, SpanStatus } from './SpanRecord.js';

const ZERO_SPAN_ID = '0000000000000000';
const ZERO_TRACE_ID = '00000000000000000000000000000000';

/**
 * The span handed out when a call is not recorded (budget spent, parent dropped, trace cap
 * reached, profiler disabled or closed). It implements {@link ProfilerSpan} like {@link Span}, so
 * user code never needs to know, and every method does nothing. One shared instance, {@link NOOP_SPAN}, serves
 * every call: handing it out allocates nothing.
 */
export class NoOpSpan implements ProfilerSpan {
  /** Always `false`: nothing about this call is recorded. */
  get isRecording(): false {
    return false;
  }

  /** The empty string: a dropped call keeps no name. */
  get name(): string {
    return '';
  }

  /** Always `false`: the no-op span never records, so it never ends either. */
  get ended(): false {
    return false;
  }

  /** Always `undefined`: a dropped call has no recorded parent. */
  get parentSpanId(): undefined {
    return undefined;
  }

  /** The invalid (all-zero) W3C span id. */
  get spanId(): string {
    return ZERO_SPAN_ID;
  }

  /** The invalid (all-zero) W3C trace id. */
  get traceId(): string {
    return ZERO_TRACE_ID;
  }

  /** Does nothing; returns the span for chaining. */
  annotate(_attributes: Attributes): this {
    return this;
  }

  /** Does nothing; returns the span for chaining. */
  recordError(_error: unknown): this {
    return this;
  }

  /** Does nothing. */
  end(_status?: SpanStatus): void {}

  /** Does nothing: lets `using span = profiler.start(...)` work whether or not it was recorded. */
  [Symbol.dispose](): void {}

  /** `NoOpSpan`. */
  toString(): string {
    return 'NoOpSpan';
  }
}

/** The shared {@link NoOpSpan}. Compare with `===` to tell a dropped call. */
export const NOOP_SPAN: NoOpSpan = Object.freeze(new NoOpSpan());
