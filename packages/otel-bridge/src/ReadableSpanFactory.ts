import type { SpanRecord } from '@ferret/profiler';
import type {
  HrTime,
  Attributes as OtelAttributes,
  SpanContext,
  SpanKind,
  SpanStatus,
} from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { AttributeConverter } from './AttributeConverter.js';
import {
  ATTR_FERRET_SAMPLING_PROBABILITY,
  ATTR_FERRET_TRUNCATED_CHILDREN,
  ATTR_FERRET_WEIGHT,
  ATTR_THREAD_ID,
  SCOPE_NAME,
} from './semconv.js';
import { VERSION } from './version.js';

// Values of @opentelemetry/api enums, written out so that only types are imported from it here.
const KIND: Readonly<Record<string, SpanKind>> = {
  internal: 0 as SpanKind,
  server: 1 as SpanKind,
  client: 2 as SpanKind,
  producer: 3 as SpanKind,
  consumer: 4 as SpanKind,
};
const KIND_INTERNAL = 0 as SpanKind;
const STATUS_UNSET: SpanStatus = Object.freeze({ code: 0 });
const STATUS_ERROR = 2;
const TRACE_FLAGS_SAMPLED = 1;
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const INSTRUMENTATION_SCOPE = Object.freeze({ name: SCOPE_NAME, version: VERSION });

/** Builds the resource of the spans of one run and process. */
export type ResourceFor = (runId: string, pid: number) => Resource;

/** Why a record could not be converted. */
export class MalformedRecordError extends Error {
  override readonly name = 'MalformedRecordError';
}

/**
 * Turns Ferret {@link SpanRecord}s into OpenTelemetry `ReadableSpan`s: the ids (sampled, local
 * parent), `kind` (internal unless the record says otherwise), start and end as `HrTime`, status
 * (`error` → `ERROR` with `error.message` as the description), attributes through the
 * {@link AttributeConverter} plus the span's weight (`ferret.weight`, and
 * `ferret.sampling.probability = 1 / weight` on roots), an `exception` event on failed spans,
 * the record's own events, the resource of its run and the instrumentation scope
 * `@ferret/profiler`.
 */
export class ReadableSpanFactory {
  readonly #attributes: AttributeConverter;
  readonly #resourceFor: ResourceFor;

  constructor(attributes: AttributeConverter, resourceFor: ResourceFor) {
    this.#attributes = attributes;
    this.#resourceFor = resourceFor;
  }

  /** @throws MalformedRecordError when ids or times are unusable. */
  create(record: SpanRecord): ReadableSpan {
    if (record === null || typeof record !== 'object') {
      throw new MalformedRecordError(`expected a span record, got ${typeof record}`);
    }
    const { traceId, spanId, parentSpanId } = record;
    if (typeof traceId !== 'string' || !TRACE_ID.test(traceId)) {
      throw new MalformedRecordError('a span record with a malformed traceId');
    }
    if (typeof spanId !== 'string' || !SPAN_ID.test(spanId)) {
      throw new MalformedRecordError('a span record with a malformed spanId');
    }
    const start = record.startTime;
    const duration = record.duration;
    if (!Number.isFinite(start) || !Number.isFinite(duration) || duration < 0) {
      throw new MalformedRecordError(`span ${spanId} has a malformed startTime or duration`);
    }
    const isRoot = parentSpanId === undefined;
    const { attributes, dropped } = this.#attributes.convert(record.attributes);
    const weight = Number.isFinite(record.weight) && record.weight >= 1 ? record.weight : 1;
    attributes[ATTR_FERRET_WEIGHT] = weight;
    if (isRoot) attributes[ATTR_FERRET_SAMPLING_PROBABILITY] = 1 / weight;
    if (isRoot && typeof record.truncatedChildren === 'number' && record.truncatedChildren > 0) {
      attributes[ATTR_FERRET_TRUNCATED_CHILDREN] = record.truncatedChildren;
    }
    if (typeof record.threadId === 'number') attributes[ATTR_THREAD_ID] = record.threadId;

    const startTime = toHrTime(start);
    const endTime = toHrTime(start + duration);
    const failed = record.status === 'error';
    const events: TimedEvent[] = [];
    if (Array.isArray(record.events)) {
      for (const event of record.events) {
        if (event === null || typeof event !== 'object' || !Number.isFinite(event.time)) continue;
        const converted: TimedEvent = { name: String(event.name), time: toHrTime(event.time) };
        if (event.attributes !== undefined) {
          converted.attributes = this.#attributes.convert(event.attributes).attributes;
        }
        events.push(converted);
      }
    }
    let status = STATUS_UNSET;
    if (failed) {
      const message = attributes['error.message'];
      status =
        typeof message === 'string' ? { code: STATUS_ERROR, message } : { code: STATUS_ERROR };
      if (!events.some((event) => event.name === 'exception')) {
        events.push({
          name: 'exception',
          time: endTime,
          attributes: exceptionAttributes(attributes),
        });
      }
    }
    const context: SpanContext = {
      traceId,
      spanId,
      traceFlags: TRACE_FLAGS_SAMPLED,
      isRemote: false,
    };
    const span: ReadableSpan = {
      name: String(record.name),
      kind: (typeof record.kind === 'string' ? KIND[record.kind] : undefined) ?? KIND_INTERNAL,
      spanContext: () => context,
      parentSpanContext:
        typeof parentSpanId === 'string' && SPAN_ID.test(parentSpanId)
          ? { traceId, spanId: parentSpanId, traceFlags: TRACE_FLAGS_SAMPLED, isRemote: false }
          : undefined,
      startTime,
      endTime,
      duration: toHrTime(duration),
      status,
      attributes,
      links: [],
      events,
      ended: true,
      resource: this.#resourceFor(String(record.runId), Number(record.pid)),
      instrumentationScope: INSTRUMENTATION_SCOPE,
      droppedAttributesCount: dropped,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    };
    return span;
  }

  /** `ReadableSpanFactory{scope=@ferret/profiler}`. */
  toString(): string {
    return `ReadableSpanFactory{scope=${SCOPE_NAME}}`;
  }
}

/** Fractional milliseconds (epoch or a duration) to `[seconds, nanoseconds]`. */
export function toHrTime(ms: number): HrTime {
  let seconds = Math.floor(ms / 1000);
  let nanos = Math.round((ms - seconds * 1000) * 1e6);
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  }
  return [seconds, nanos];
}

function exceptionAttributes(attributes: OtelAttributes): OtelAttributes {
  const out: OtelAttributes = {};
  const type = attributes['error.type'];
  const message = attributes['error.message'];
  if (typeof type === 'string') out['exception.type'] = type;
  if (typeof message === 'string') out['exception.message'] = message;
  return out;
}
