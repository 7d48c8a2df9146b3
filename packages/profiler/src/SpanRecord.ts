/** A value an attribute may hold: the OpenTelemetry attribute value types. */
export type AttributeValue =
  | string
  | number
  | boolean
  | readonly string[]
  | readonly number[]
  | readonly boolean[];

/** Free-form span tags. */
export type Attributes = Record<string, AttributeValue>;

/** How a span ended. */
export type SpanStatus = 'ok' | 'error';

/**
 * One finished, recorded span as handed to a {@link SpanSink}. Plain data: sinks may keep it,
 * serialise it or send it to another thread.
 */
export interface SpanRecord {
  /** W3C trace id: 32 lowercase hex characters, shared by every span of a trace. */
  traceId: string;
  /** W3C span id: 16 lowercase hex characters. */
  spanId: string;
  /** The parent's span id; absent on a root. */
  parentSpanId?: string | undefined;
  name: string;
  /** Epoch milliseconds (fractional, sub-millisecond precision): `performance.timeOrigin + performance.now()`. */
  startTime: number;
  /** Milliseconds, fractional, from the monotonic clock. */
  duration: number;
  status: SpanStatus;
  /** Tags, including `error.message` and `error.type` when the span failed. */
  attributes: Attributes;
  /** The id of the execution (process run) that recorded the span. */
  runId: string;
  pid: number;
  /** `worker_threads.threadId`: 0 on the main thread. */
  threadId: number;
  /** Sampling weight in force when the root was admitted: calls ÷ recorded (≥ 1). */
  weight: number;
  /** On a root: how many descendants were not recorded because the per-trace cap was reached. */
  truncatedChildren?: number | undefined;
  /** OpenTelemetry span kind, when the span came from OpenTelemetry. */
  kind?: string | undefined;
  /** OpenTelemetry span events, when the span came from OpenTelemetry. */
  events?: readonly SpanEventRecord[] | undefined;
  /** `service.name` from the OpenTelemetry resource, when known. */
  serviceName?: string | undefined;
}

/** An OpenTelemetry span event, as stored. */
export interface SpanEventRecord {
  name: string;
  /** Epoch milliseconds. */
  time: number;
  attributes?: Attributes | undefined;
}

/**
 * Exact call counts for one root span name over one flush interval, recorded whether or not the
 * calls were sampled: `calls = recorded + dropped`.
 */
export interface CountRecord {
  name: string;
  calls: number;
  recorded: number;
  dropped: number;
  /** Epoch milliseconds at the start of the interval. */
  intervalStart: number;
  /** Epoch milliseconds at the end of the interval. */
  intervalEnd: number;
  runId: string;
}
