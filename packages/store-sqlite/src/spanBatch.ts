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
  /**
   * Attributes, flattened: span i owns `attributeCounts[i]` consecutive entries of
   * `attributeKeys` (indexes into `keys`) and `attributeValues`. Cloning flat arrays of
   * primitives is several times cheaper than cloning one object per span, on both threads.
   */
  keys: string[];
  attributeCounts: number[];
  attributeKeys: number[];
  attributeValues: unknown[];
  /** Attributes objects that do not flatten (a value that is not a string, number, boolean or array), by span index. */
  irregularAttributes?: Record<number, unknown> | undefined;
  /** Per span (only when some span has OpenTelemetry fields). */
  extras?: (SpanExtras | undefined)[] | undefined;
}

/** Packs spans for the writer. Reads each record once; never validates (the writer does). */
export function encodeSpanBatch(spans: readonly SpanRecord[]): SpanBatch {
  const count = spans.length;
  const numbers = new Float64Array(count * NUMBER_FIELDS);
  const keys: string[] = [];
  const keyIndex = new Map<string, number>();
  const attributeCounts: number[] = new Array(count).fill(0);
  const attributeKeys: number[] = [];
  const attributeValues: unknown[] = [];
  let irregularAttributes: Record<number, unknown> | undefined;
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
    const attributes = span.attributes;
    if (attributes !== null && typeof attributes === 'object' && !Array.isArray(attributes)) {
      const mark = attributeKeys.length;
      let regular = true;
      for (const key of Object.keys(attributes)) {
        const value = (attributes as Record<string, unknown>)[key];
        const type = typeof value;
        if (type !== 'string' && type !== 'number' && type !== 'boolean' && !Array.isArray(value)) {
          regular = false;
          break;
        }
        let k = keyIndex.get(key);
        if (k === undefined) {
          k = keys.push(key) - 1;
          keyIndex.set(key, k);
        }
        attributeKeys.push(k);
        attributeValues.push(value);
      }
      if (regular) {
        attributeCounts[i] = attributeKeys.length - mark;
      } else {
        attributeKeys.length = attributeValues.length = mark;
        irregularAttributes ??= {};
        irregularAttributes[i] = attributes;
      }
    } else if (attributes !== undefined && attributes !== null) {
      irregularAttributes ??= {};
      irregularAttributes[i] = attributes;
    }
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
  return {
    count,
    numbers,
    ids,
    irregularIds,
    names,
    runIds,
    keys,
    attributeCounts,
    attributeKeys,
    attributeValues,
    irregularAttributes,
    extras,
  };
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

/**
 * Builds the attributes JSON of each span of a batch, in span order; the same text
 * `JSON.stringify(attributes)` gives (same key order, non-finite numbers as null), or null when a
 * span has none. One instance walks one batch front to back.
 */
export class AttributeJsonBuilder {
  readonly #batch: SpanBatch;
  readonly #keyJson: string[];
  #offset = 0;

  constructor(batch: SpanBatch) {
    this.#batch = batch;
    this.#keyJson = batch.keys.map((key) => JSON.stringify(key));
  }

  /** JSON of span `i`'s attributes. Must be called for every span, in increasing `i`. @throws on a value JSON cannot encode. */
  next(i: number): string | null {
    const batch = this.#batch;
    const count = batch.attributeCounts[i]!;
    const start = this.#offset;
    this.#offset += count;
    const irregular = batch.irregularAttributes?.[i];
    if (irregular !== undefined) {
      for (const _ in irregular as object) return JSON.stringify(irregular);
      return null;
    }
    if (count === 0) return null;
    let json = '{';
    for (let a = start; a < start + count; a++) {
      if (a > start) json += ',';
      json += `${this.#keyJson[batch.attributeKeys[a]!]!}:${valueJson(batch.attributeValues[a])}`;
    }
    return `${json}}`;
  }
}

function valueJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return JSON.stringify(value);
  }
}
