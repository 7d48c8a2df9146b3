import type { RateBucket } from '@ferret/ratelimit';
import { defineData } from './defineData.js';
import type { ProfilerSpan } from './ProfilerSpan.js';
import type { Attributes, SpanStatus } from './SpanRecord.js';

const ZERO_SPAN_ID = '0000000000000000';
const ZERO_TRACE_ID = '00000000000000000000000000000000';

/** What a span needs from the profiler that created it (the profiler, structurally). */
export interface SpanOwner {
  _endSpan(span: Span, status: SpanStatus | undefined): void;
  /** Counts tags that could not be read (a throwing getter or proxy in the caller's object). */
  _dropAttributes(): void;
}

/**
 * A recorded span: created by `Profiler.measure()`/`start()` when the budget admitted the trace.
 * Ends once (`end()`, scope exit with `using`, or when `measure()`'s function settles); later
 * calls to `end()` are ignored. Attributes given after the end are ignored too.
 *
 * Fields starting with `_` belong to the profiler (they are stripped from the published types):
 * ids are kept as 32-bit words and turned into hex when the record is built, off the caller's path.
 */
export class Span implements ProfilerSpan {
  /** The span's name. */
  readonly name: string;
  /** @internal */ readonly _owner: SpanOwner;
  /** @internal */ _attributes: Attributes | undefined;
  /** @internal True once `_attributes` is a copy this span may mutate. */ _ownsAttributes: boolean;
  /** @internal Monotonic start, ms. */ readonly _start: number;
  /** @internal -1 while the span is open. */ _duration: number;
  /** @internal */ _status: SpanStatus;
  /** @internal */ readonly _parent: Span | undefined;
  /** @internal The trace's root (itself on a root). */ readonly _root: Span;
  /**
   * @internal The id pool this span's ids were cut from, and where: on a root 48 characters
   * (trace id, then span id), on a child 16 (span id).
   */
  readonly _idPool: string;
  /** @internal */ readonly _idOffset: number;
  /** @internal Lazily cut span id. */ _idHex: string;
  // Trace state, meaningful on roots only. Every span carries the fields so that all spans share
  // one hidden class (monomorphic property access on the hot path).
  /** @internal */ _traceHex: string;
  /** @internal Recorded spans in the trace so far (root included). */ _spanCount: number;
  /** @internal Descendants refused by the per-trace cap. */ _truncated: number;
  /** @internal Sampling weight in force when the root was admitted. */ _weight: number;
  /** @internal The root name's fair-share bucket, charged for children; unset when admitted beyond the share. */
  _shareBucket: RateBucket | undefined;
  /** @internal On a span that joined another tracer's trace: that tracer's parent span id. */
  _externalParentId: string | undefined;
  /** Created by the profiler only; user code gets spans from `measure()`/`start()`. */
  constructor(
    owner: SpanOwner,
    name: string,
    attributes: Attributes | undefined,
    start: number,
    parent: Span | undefined,
    idPool: string,
    idOffset: number,
  ) {
    this._owner = owner;
    this.name = name;
    this._attributes = attributes;
    this._ownsAttributes = false;
    this._start = start;
    this._duration = -1;
    this._status = 'ok';
    this._parent = parent;
    this._root = parent === undefined ? this : parent._root;
    this._idPool = idPool;
    this._idOffset = idOffset;
    this._idHex = '';
    this._traceHex = '';
    this._spanCount = 1;
    this._truncated = 0;
    this._weight = 1;
    this._shareBucket = undefined;
    this._externalParentId = undefined;
  }

  /** Always `true`. */
  get isRecording(): true {
    return true;
  }

  /** True once the span has ended. */
  get ended(): boolean {
    return this._duration >= 0;
  }

  /** W3C span id: 16 lowercase hex characters. */
  get spanId(): string {
    if (this._idHex === '') {
      const start = this._parent === undefined ? this._idOffset + 32 : this._idOffset;
      const id = this._idPool.substring(start, start + 16);
      this._idHex = id === ZERO_SPAN_ID ? '0000000000000001' : id; // W3C forbids all zeros
    }
    return this._idHex;
  }

  /** W3C trace id: 32 lowercase hex characters, shared by the whole trace. */
  get traceId(): string {
    const root = this._root;
    if (root._traceHex === '') {
      const id = root._idPool.substring(root._idOffset, root._idOffset + 32);
      root._traceHex = id === ZERO_TRACE_ID ? '00000000000000000000000000000001' : id;
    }
    return root._traceHex;
  }

  /**
   * The sampling weight of the span's trace: how many traces it stands for (≥ 1; the record's
   * `weight`). Set when the root is admitted, or taken from another tracer's trace it joined.
   */
  get weight(): number {
    return this._root._weight;
  }

  /** The parent's span id (a Ferret span's, or another tracer's), or `undefined` on a root. */
  get parentSpanId(): string | undefined {
    return this._parent?.spanId ?? this._externalParentId;
  }

  /**
   * Adds or replaces tags. Values must be strings, numbers, booleans or arrays of one of them;
   * other values are dropped (and counted) when the record is built, never thrown.
   */
  annotate(attributes: Attributes): this {
    if (this._duration >= 0 || attributes === null || typeof attributes !== 'object') return this;
    try {
      if (!this._ownsAttributes) {
        // Copy on first write so the caller's object (often a shared literal) is never mutated.
        this._attributes = { ...this._attributes };
        this._ownsAttributes = true;
      }
      // Object.assign would make a `__proto__` key (e.g. from JSON.parse) the prototype.
      if (Object.hasOwn(attributes, '__proto__')) assignAsData(this._attributes!, attributes);
      else Object.assign(this._attributes!, attributes);
    } catch {
      // Copying runs the caller's getters and proxy traps: one that throws loses its tags
      // (counted in stats().droppedAttributes), never the caller's call.
      if (!this._ownsAttributes) {
        this._attributes = {};
        this._ownsAttributes = true;
      }
      this._owner._dropAttributes();
    }
    return this;
  }

  /**
   * Marks the span failed and records `error.type` (the error's name) and `error.message`.
   * Accepts anything that was thrown; never throws itself.
   */
  recordError(error: unknown): this {
    if (this._duration >= 0) return this;
    this._status = 'error';
    let type: string;
    let message: string;
    try {
      if (error instanceof Error || (error !== null && typeof error === 'object')) {
        const e = error as { name?: unknown; message?: unknown; constructor?: { name?: unknown } };
        type = typeof e.name === 'string' ? e.name : String(e.constructor?.name ?? 'Object');
        message = typeof e.message === 'string' ? e.message : String(e.message ?? '');
      } else {
        type = typeof error;
        message = String(error);
      }
    } catch {
      type = 'unknown';
      message = '(error could not be described)';
    }
    return this.annotate({ 'error.type': type, 'error.message': message });
  }

  /**
   * Ends the span (once; later calls are ignored) and hands it to the profiler's queue.
   * @param status `'ok'` or `'error'`; by default the status so far (`'error'` after {@link recordError}).
   */
  end(status?: SpanStatus): void {
    this._owner._endSpan(this, status);
  }

  /** Ends the span: `using span = profiler.start('x')` ends it at scope exit. */
  [Symbol.dispose](): void {
    this._owner._endSpan(this, undefined);
  }

  /** E.g. `Span{name=db.query, traceId=..., spanId=...}`. */
  toString(): string {
    return `Span{name=${this.name}, traceId=${this.traceId}, spanId=${this.spanId}}`;
  }
}

/** `Object.assign` that stores every key as data, `__proto__` included. */
function assignAsData(target: Attributes, source: Attributes): void {
  for (const key of Object.keys(source)) defineData(target, key, source[key]);
}
