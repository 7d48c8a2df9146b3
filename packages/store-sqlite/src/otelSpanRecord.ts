// Conversion of an OpenTelemetry ReadableSpan (sdk-trace-base v2) to the record the store writes.
// Type-only imports: the OpenTelemetry packages are optional peers and must not be loaded at run
// time by users of the profiler alone.
import { threadId } from 'node:worker_threads';
import { traceStateRunTag, traceStateWeight } from '@ferret/internal';
import type { Attributes, SpanEventRecord } from '@ferret/profiler';
import type { HrTime, Attributes as OtelAttributes, TraceState } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { StoredSpanRecord } from './spanRow.js';

/** `SpanKind` numbers of @opentelemetry/api, as stored. */
const KIND_NAMES = ['internal', 'server', 'client', 'producer', 'consumer'] as const;
/** `SpanStatusCode.ERROR` of @opentelemetry/api. */
const STATUS_ERROR = 2;
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/** The attribute the Ferret sampler sets on a sampled root: its weight is the inverse. */
export const SAMPLING_PROBABILITY_ATTRIBUTE = 'ferret.sampling.probability';

/** A span that cannot be stored, with the reason. */
export class BrokenSpanError extends Error {
  override readonly name = 'BrokenSpanError';
}

/**
 * Maps a finished OpenTelemetry span onto a stored record: ids, remote-aware parent (a remote
 * parent whose tracestate carries `runTag`, the tag of the run being written, is a parent in the
 * same run: a process of the same `ferret run` decided the trace, so the span is a child, not
 * the root of a local trace), kind,
 * times (HrTime to fractional epoch ms), status (its description kept as the
 * `otel.status_description` attribute), attributes, events, `service.name`, and the instrumentation
 * scope as `otel.scope.name`/`otel.scope.version`.
 * @throws BrokenSpanError when the span is malformed (bad ids or times, an attribute value that
 *   is not an OpenTelemetry attribute value).
 */
export function otelSpanRecord(
  span: ReadableSpan,
  runIdFallback: string | undefined,
  runTag?: string,
): StoredSpanRecord {
  const context = span.spanContext();
  const name = span.name;
  if (typeof name !== 'string') throw new BrokenSpanError('a span without a string name');
  if (!TRACE_ID.test(context.traceId) || !SPAN_ID.test(context.spanId)) {
    throw new BrokenSpanError(`span "${name}" has a malformed trace or span id`);
  }
  const startTime = hrTimeToMs(span.startTime, name, 'startTime');
  const duration = hrTimeToMs(span.duration, name, 'duration');
  const attributes = cleanAttributes(span.attributes, name);
  if (span.status?.code === STATUS_ERROR && span.status.message) {
    attributes['otel.status_description'] = span.status.message;
  }
  const scope = span.instrumentationScope;
  if (scope?.name) attributes['otel.scope.name'] = scope.name;
  if (scope?.version) attributes['otel.scope.version'] = scope.version;

  const resource = span.resource?.attributes ?? {};
  const serviceName = resource['service.name'];
  const instanceId = resource['service.instance.id'];
  const resourcePid = resource['process.pid'];
  const parent = span.parentSpanContext;

  const record: StoredSpanRecord = {
    traceId: context.traceId,
    spanId: context.spanId,
    name,
    startTime,
    duration,
    status: span.status?.code === STATUS_ERROR ? 'error' : 'ok',
    attributes,
    runId: runIdFallback ?? (typeof instanceId === 'string' && instanceId ? instanceId : ''),
    pid:
      typeof resourcePid === 'number' && Number.isInteger(resourcePid) ? resourcePid : process.pid,
    threadId,
    weight: spanWeight(span.attributes, context.traceState),
    kind: KIND_NAMES[span.kind] ?? 'internal',
  };
  if (parent !== undefined && SPAN_ID.test(parent.spanId)) {
    record.parentSpanId = parent.spanId;
    if (parent.isRemote && !(runTag !== undefined && isTaggedBy(parent.traceState, runTag))) {
      record.parentIsRemote = true;
    }
  }
  if (typeof serviceName === 'string') record.serviceName = serviceName;
  if (span.events?.length) {
    record.events = span.events.map((event): SpanEventRecord => {
      const converted: SpanEventRecord = {
        name: String(event.name),
        time: hrTimeToMs(event.time, name, 'event time'),
      };
      if (event.attributes) converted.attributes = cleanAttributes(event.attributes, name);
      return converted;
    });
  }
  return record;
}

/**
 * How many spans this one stands for (≥ 1). A trace is sampled once, at its root, so every span
 * of it has its root's weight. Where it is read, first found wins:
 * 1. the span's own `ferret.sampling.probability` (a root a Ferret sampler sampled): 1 / p;
 * 2. its span context's tracestate: OpenTelemetry's consistent-sampling threshold `ot=th:`
 *    (adjusted count), else Ferret's `ferret=p:` member;
 * 3. otherwise 1 (a trace nobody sampled down, or a sampler that states no weight).
 *
 * The inheritance happens through the tracestate rather than here: the sampler writes the weight
 * into the root's span context when it decides, and OpenTelemetry copies the tracestate to every
 * child and, through the `tracestate` header, to the spans other services continue the trace
 * with. So a child knows its weight when it is exported, before its root (children end first)
 * or without its root (a remote parent), with no map of traces: constant memory, and the order
 * of export does not matter.
 */
function spanWeight(
  attributes: OtelAttributes | undefined,
  traceState: TraceState | undefined,
): number {
  const probability = attributes?.[SAMPLING_PROBABILITY_ATTRIBUTE];
  if (typeof probability === 'number' && probability > 0 && probability <= 1) {
    return 1 / probability;
  }
  if (traceState === undefined || traceState === null || typeof traceState.get !== 'function') {
    return 1;
  }
  return traceStateWeight((key) => traceState.get(key)) ?? 1;
}

function hrTimeToMs(time: HrTime, spanName: string, field: string): number {
  const ms = Array.isArray(time) ? time[0] * 1e3 + time[1] / 1e6 : Number.NaN;
  if (!Number.isFinite(ms))
    throw new BrokenSpanError(`span "${spanName}" has a malformed ${field}`);
  return ms;
}

/** Copies valid attributes (undefined values are left out, as OpenTelemetry does). */
function cleanAttributes(attributes: OtelAttributes | undefined, spanName: string): Attributes {
  const out: Record<string, Attributes[string]> = {};
  if (attributes === undefined || attributes === null) return out;
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (value === undefined) continue;
    if (!isAttributeValue(value)) {
      throw new BrokenSpanError(
        `span "${spanName}" has attribute "${key}" of type ${Array.isArray(value) ? 'mixed array' : typeof value}, not an OpenTelemetry attribute value`,
      );
    }
    out[key] = value as Attributes[string];
  }
  return out;
}

function isPrimitive(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isAttributeValue(value: unknown): boolean {
  if (isPrimitive(value)) return true;
  if (!Array.isArray(value)) return false;
  let type: string | undefined;
  for (const element of value) {
    if (element === null || element === undefined) continue;
    if (!isPrimitive(element)) return false;
    type ??= typeof element;
    if (typeof element !== type) return false;
  }
  return true;
}

/** True when `traceState` carries the run tag `runTag` (see `runTagOf`). Never throws. */
function isTaggedBy(traceState: TraceState | undefined, runTag: string): boolean {
  if (traceState === undefined || traceState === null || typeof traceState.get !== 'function') {
    return false;
  }
  return traceStateRunTag((key) => traceState.get(key)) === runTag;
}
