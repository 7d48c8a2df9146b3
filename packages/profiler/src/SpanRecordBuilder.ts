import { cutText } from './cutText.js';
import { defineData } from './defineData.js';
import type { Span } from './Span.js';
import type { Attributes, AttributeValue, SpanRecord } from './SpanRecord.js';

/** The size limits of a record (the profiler's options of the same names). @internal */
export interface RecordLimits {
  /** Longest span name; longer ones are cut. */
  maxNameLength: number;
  /** Most attributes kept on one span; further ones are dropped. */
  maxAttributes: number;
  /** Longest attribute key; longer ones are cut. */
  maxAttributeKeyLength: number;
  /** Longest string value (also each string of an array) and most items of an array value. */
  maxAttributeValueLength: number;
}

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
  readonly #maxNameLength: number;
  readonly #maxAttributes: number;
  readonly #maxKeyLength: number;
  readonly #maxValueLength: number;
  /** Called once, at the first cut: says what was cut and where it is counted. */
  readonly #onFirstCut: (() => void) | undefined;
  /** Attribute values dropped because of their type or the per-span limit. */
  droppedAttributes = 0;
  /** Span names cut to `maxNameLength`. */
  truncatedNames = 0;
  /** Attribute keys and values cut to `maxAttributeKeyLength` / `maxAttributeValueLength`. */
  truncatedAttributes = 0;

  constructor(
    runId: string,
    pid: number,
    threadId: number,
    epochOffset: number,
    limits: RecordLimits,
    onFirstCut?: () => void,
  ) {
    this.#runId = runId;
    this.#pid = pid;
    this.#threadId = threadId;
    this.#epochOffset = epochOffset;
    this.#maxNameLength = limits.maxNameLength;
    this.#maxAttributes = limits.maxAttributes;
    this.#maxKeyLength = limits.maxAttributeKeyLength;
    this.#maxValueLength = limits.maxAttributeValueLength;
    this.#onFirstCut = onFirstCut;
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
        name: this.#name(span.name),
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
      name: this.#name(span.name),
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
      for (let key of Object.keys(source)) {
        const value = this.#sanitise(source[key]);
        if (value === undefined || kept >= this.#maxAttributes) {
          this.droppedAttributes++;
          continue;
        }
        if (key.length > this.#maxKeyLength) {
          key = cutText(key, this.#maxKeyLength);
          this.truncatedAttributes++;
          this.#cut();
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

  #name(name: string): string {
    if (name.length <= this.#maxNameLength) return name;
    this.truncatedNames++;
    this.#cut();
    return cutText(name, this.#maxNameLength);
  }

  /**
   * The value as stored: strings, numbers, booleans and arrays of one of them (copied), strings
   * cut to `maxAttributeValueLength`, arrays to as many items; `undefined` for anything else.
   */
  #sanitise(value: unknown): AttributeValue | undefined {
    const type = typeof value;
    const max = this.#maxValueLength;
    if (type === 'string') {
      if ((value as string).length <= max) return value as string;
      this.truncatedAttributes++;
      this.#cut();
      return cutText(value as string, max);
    }
    if (type === 'number' || type === 'boolean') return value as AttributeValue;
    if (!Array.isArray(value)) return undefined;
    if (value.length === 0) return [] as string[];
    const first = typeof value[0];
    if (first !== 'string' && first !== 'number' && first !== 'boolean') return undefined;
    for (const item of value) if (typeof item !== first) return undefined;
    let cut = value.length > max;
    // A copy: the caller may reuse the array after the span ended.
    const copy = cut ? value.slice(0, max) : value.slice();
    if (first === 'string') {
      for (let i = 0; i < copy.length; i++) {
        if ((copy[i] as string).length > max) {
          copy[i] = cutText(copy[i] as string, max);
          cut = true;
        }
      }
    }
    if (cut) {
      this.truncatedAttributes++;
      this.#cut();
    }
    return copy as AttributeValue;
  }

  #cut(): void {
    if (this.truncatedNames + this.truncatedAttributes === 1) this.#onFirstCut?.();
  }

  /** `SpanRecordBuilder{runId=..., pid=..., threadId=...}`. */
  toString(): string {
    return `SpanRecordBuilder{runId=${this.#runId}, pid=${this.#pid}, threadId=${this.#threadId}}`;
  }
}
