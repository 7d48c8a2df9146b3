// The form in which a batch of spans crosses to the writer thread. Structured-cloning an array of
// span objects costs microseconds per span on the host thread (every key of every object is
// serialised) and as much again to rebuild the objects in the worker. Packing the fixed fields
// into a transferable Float64Array and the ids into one flat array of strings costs ~50 ns per
// span, moves no JSON work onto the host, and lets the worker insert without rebuilding objects.
import type { SpanRecord } from '@ferret/profiler';
import type { StoredSpanRecord } from './spanRow.js';

/** Numbers per span in {@link SpanBatch.numbers}. */
export const NUMBER_FIELDS = 7;
/** Strings per span in {@link SpanBatch.strings}. */
export const STRING_FIELDS = 5;

/** Optional OpenTelemetry fields, present only on spans that have one. */
export interface SpanExtras {
  kind?: unknown;
  events?: unknown;
  serviceName?: unknown;
  parentIsRemote?: boolean;
}

export interface SpanBatch {
  count: number;
  /** Per span: startTime, duration, weight, pid, threadId, status (1 = error), truncatedChildren (NaN = absent). */
  numbers: Float64Array;
  /** Per span: traceId, spanId, parentSpanId, name, runId (as given: the writer validates). */
  strings: unknown[];
  /** Per span: the attributes object (JSON-encoded by the writer). */
  attributes: unknown[];
  /** Per span (only when some span has OpenTelemetry fields). */
  extras?: (SpanExtras | undefined)[] | undefined;
}

/** Packs spans for the writer. Reads each record once; never validates (the writer does). */
export function encodeSpanBatch(spans: readonly SpanRecord[]): SpanBatch {
  const count = spans.length;
  const numbers = new Float64Array(count * NUMBER_FIELDS);
  const strings: unknown[] = new Array(count * STRING_FIELDS);
  const attributes: unknown[] = new Array(count);
  let extras: (SpanExtras | undefined)[] | undefined;
  for (let i = 0; i < count; i++) {
    const span = spans[i] as StoredSpanRecord;
    if (span === null || typeof span !== 'object') {
      numbers[i * NUMBER_FIELDS] = Number.NaN; // refused by the writer as malformed
      continue;
    }
    const n = i * NUMBER_FIELDS;
    numbers[n] = span.startTime;
    numbers[n + 1] = span.duration;
    numbers[n + 2] = span.weight;
    numbers[n + 3] = span.pid;
    numbers[n + 4] = span.threadId;
    numbers[n + 5] = span.status === 'error' ? 1 : 0;
    numbers[n + 6] = span.truncatedChildren ?? Number.NaN;
    const s = i * STRING_FIELDS;
    strings[s] = span.traceId;
    strings[s + 1] = span.spanId;
    strings[s + 2] = span.parentSpanId;
    strings[s + 3] = span.name;
    strings[s + 4] = span.runId;
    attributes[i] = span.attributes;
    if (
      span.kind !== undefined ||
      span.events !== undefined ||
      span.serviceName !== undefined ||
      span.parentIsRemote !== undefined
    ) {
      extras ??= new Array(count);
      extras[i] = {
        kind: span.kind,
        events: span.events,
        serviceName: span.serviceName,
        parentIsRemote: span.parentIsRemote === true,
      };
    }
  }
  return { count, numbers, strings, attributes, extras };
}
