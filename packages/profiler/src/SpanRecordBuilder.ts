import { defineData } from './defineData.js';
import type { Span } from './Span.js';
import type { Attributes, AttributeValue, SpanRecord } from './SpanRecord.js';

/** Most attributes kept on one span (OpenTelemetry's default `attributeCountLimit`). */
const MAX_ATTRIBUTES = 128;

/**
 * Turns finished {@link Span}s into plain {@link SpanRecord}s in the flusher, off the caller's
 * path: hex ids, epoch start time, and a sanitised copy of the attributes (values that are not
 * strings, numbers, booleans or homogeneous arrays of them are dropped and counted, never thrown).
 * @internal
 */
export class SpanRecordBuilder {
  readonly #runId: string;
  readonly #pid: number;
  readonly #threadId: number;
  readonly #epochOffset: number;
  /** Attribute values dropped because of their type or the per-span limit. */
  droppedAttributes = 0;

  constructor(runId: string, pid: number, threadId: number, epochOffset: number) {
    this.#runId = runId;
    this.#pid = pid;
    this.#threadId = threadId;
    this.#epochOffset = epochOffset;
  }

  /**
   * A child's record is built with `parentSpanId` in its literal, a root's without it (it is
   * absent on a root unless the root joined another tracer's trace): each kind of record is
   * allocated whole, with one shape, and never grows a property store afterwards.
   */
  build(span: Span): SpanRecord {
    const parent = span._parent;
    if (parent !== undefined) {
      return {
        traceId: span.traceId,
        spanId: span.spanId,
        name: span.name,
        startTime: this.#epochOffset + span._start,
        duration: span._duration,
        status: span._status,
        attributes: this.#attributes(span._attributes),
        runId: this.#runId,
        pid: this.#pid,
        threadId: this.#threadId,
        weight: span._root._weight,
        parentSpanId: parent.spanId, // last: the key order of a root that joined another trace
      };
    }
    const record: SpanRecord = {
      traceId: span.traceId,
      spanId: span.spanId,
      name: span.name,
      startTime: this.#epochOffset + span._start,
      duration: span._duration,
      status: span._status,
      attributes: this.#attributes(span._attributes),
      runId: this.#runId,
      pid: this.#pid,
      threadId: this.#threadId,
      weight: span._weight,
    };
    if (span._externalParentId !== undefined) record.parentSpanId = span._externalParentId;
    if (span._truncated > 0) record.truncatedChildren = span._truncated;
    return record;
  }

  #attributes(source: Attributes | undefined): Attributes {
    const out: Attributes = {};
    if (source === undefined) return out;
    if (source === null || typeof source !== 'object') {
      this.droppedAttributes++;
      return out;
    }
    let kept = 0;
    try {
      for (const key of Object.keys(source)) {
        const value = sanitise(source[key]);
        if (value === undefined || kept >= MAX_ATTRIBUTES) {
          this.droppedAttributes++;
          continue;
        }
        // `__proto__` (e.g. from JSON.parse) is a key like any other: kept as data, never as
        // the record's prototype.
        if (key === '__proto__') defineData(out, key, value);
        else out[key] = value;
        kept++;
      }
    } catch {
      // The caller's initial attributes object may still be theirs (not copied): a getter or
      // proxy trap that throws ends the read; what was read is kept.
      this.droppedAttributes++;
    }
    return out;
  }

  /** `SpanRecordBuilder{runId=..., pid=..., threadId=...}`. */
  toString(): string {
    return `SpanRecordBuilder{runId=${this.#runId}, pid=${this.#pid}, threadId=${this.#threadId}}`;
  }
}

function sanitise(value: unknown): AttributeValue | undefined {
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return value as AttributeValue;
  if (!Array.isArray(value)) return undefined;
  if (value.length === 0) return [] as string[];
  const first = typeof value[0];
  if (first !== 'string' && first !== 'number' && first !== 'boolean') return undefined;
  for (const item of value) if (typeof item !== first) return undefined;
  return value.slice() as AttributeValue; // the caller may reuse the array after the span ended
}
