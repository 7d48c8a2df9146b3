// The form in which a batch of spans crosses to the writer thread. Structured-cloning an array of
// span objects costs microseconds per span on the host thread (every key of every object is
// serialised) and as much again to rebuild the objects in the worker. Packing the fixed fields
// into a transferable Float64Array and the ids into one flat array of strings costs ~50 ns per
// span, moves no JSON work onto the host, and lets the worker insert without rebuilding objects.
import type { SpanRecord } from '@ferret/profiler';
import type { StoredSpanRecord } from './spanRow.js';

/** Numbers per span in {@link SpanBatch.numbers}. */
export const NUMBER_FIELDS = 9;
/** Characters per span in {@link SpanBatch.ids}: trace id, span id, parent span id. */
export const ID_CHARS = 64;
const NO_PARENT = '-'.repeat(16);

/** Optional OpenTelemetry fields, present only on spans that have one. */
export interface SpanExtras {
  kind?: unknown;
  events?: unknown;
  serviceName?: unknown;
  parentIsRemote?: boolean;
}

export interface SpanBatch {
  count: number;
  /**
   * Per span: startTime, duration, weight, pid, threadId, status (1 = error), truncatedChildren
   * (NaN = absent), index into `names`, index into `runIds`.
   */
  numbers: Float64Array;
  /**
   * Per span, 64 characters: traceId (32), spanId (16), parentSpanId (16, dashes when absent).
   * One string for the batch: a few memcpys to send instead of three strings per span.
   */
  ids: string;
  /** Spans whose ids are not 32/16/16-character strings, by index: [traceId, spanId, parentSpanId] as given. */
  irregularIds?: Record<number, unknown[]> | undefined;
  /** Distinct names of the batch (names repeat: sent once each). */
  names: unknown[];
  /** Distinct run ids of the batch. */
  runIds: unknown[];
  /** Per span: the attributes object (JSON-encoded by the writer). */
  attributes: unknown[];
  /** Per span (only when some span has OpenTelemetry fields). */
  extras?: (SpanExtras | undefined)[] | undefined;
}

/** Packs spans for the writer. Reads each record once; never validates (the writer does). */
export function encodeSpanBatch(spans: readonly SpanRecord[]): SpanBatch {
  const count = spans.length;
  const numbers = new Float64Array(count * NUMBER_FIELDS);
  const attributes: unknown[] = new Array(count);
  const names: unknown[] = [];
  const nameIndex = new Map<unknown, number>();
  const runIds: unknown[] = [];
  let lastRunId: unknown;
  let lastRunIndex = -1;
  let ids = '';
  let irregularIds: Record<number, unknown[]> | undefined;
  let extras: (SpanExtras | undefined)[] | undefined;
  for (let i = 0; i < count; i++) {
    const span = spans[i] as StoredSpanRecord;
    const n = i * NUMBER_FIELDS;
    if (span === null || typeof span !== 'object') {
      ids += NO_PARENT + NO_PARENT + NO_PARENT + NO_PARENT;
      numbers[n] = Number.NaN; // refused by the writer as malformed
      continue;
    }
    numbers[n] = span.startTime;
    numbers[n + 1] = span.duration;
    numbers[n + 2] = span.weight;
    numbers[n + 3] = span.pid;
    numbers[n + 4] = span.threadId;
    numbers[n + 5] = span.status === 'error' ? 1 : 0;
    numbers[n + 6] = span.truncatedChildren ?? Number.NaN;
    let name = nameIndex.get(span.name);
    if (name === undefined) {
      name = names.length;
      names.push(span.name);
      nameIndex.set(span.name, name);
    }
    numbers[n + 7] = name;
    if (span.runId !== lastRunId || lastRunIndex < 0) {
      lastRunId = span.runId;
      lastRunIndex = runIds.indexOf(lastRunId);
      if (lastRunIndex < 0) lastRunIndex = runIds.push(lastRunId) - 1;
    }
    numbers[n + 8] = lastRunIndex;
    const { traceId, spanId, parentSpanId } = span;
    if (
      typeof traceId === 'string' &&
      traceId.length === 32 &&
      typeof spanId === 'string' &&
      spanId.length === 16 &&
      (parentSpanId == null || (typeof parentSpanId === 'string' && parentSpanId.length === 16))
    ) {
      ids += traceId + spanId + (parentSpanId ?? NO_PARENT);
    } else {
      ids += NO_PARENT + NO_PARENT + NO_PARENT + NO_PARENT;
      irregularIds ??= {};
      irregularIds[i] = [traceId, spanId, parentSpanId];
    }
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
  return { count, numbers, ids, irregularIds, names, runIds, attributes, extras };
}

/** Trace id, span id and parent span id (undefined when absent) of span `i`, as sent. */
export function idsOf(batch: SpanBatch, i: number): [unknown, unknown, unknown] {
  const irregular = batch.irregularIds?.[i];
  if (irregular !== undefined) return [irregular[0], irregular[1], irregular[2]];
  const o = i * ID_CHARS;
  const parent = batch.ids.slice(o + 48, o + 64);
  return [
    batch.ids.slice(o, o + 32),
    batch.ids.slice(o + 32, o + 48),
    parent === NO_PARENT ? undefined : parent,
  ];
}
