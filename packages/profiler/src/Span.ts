import type { RateBucket } from '@ferret/ratelimit';
import { wordToHex } from './IdGenerator.js';
import type { Attributes, SpanStatus } from './SpanRecord.js';

/** What a span needs from the profiler that created it (the profiler, structurally). */
export interface SpanOwner {
  _endSpan(span: Span, status: SpanStatus | undefined): void;
}

/**
 * A recorded span: created by `Profiler.measure()`/`start()` when the budget admitted the trace.
 * Ends once (`end()`, scope exit with `using`, or when `measure()`'s function settles); later
 * calls to `end()` are ignored. Attributes given after the end are ignored too.
 *
 * Fields starting with `_` belong to the profiler (they are stripped from the published types):
 * ids are kept as 32-bit words and turned into hex when the record is built, off the caller's path.
 */
export class Span {
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
  /** @internal */ readonly _idHigh: number;
  /** @internal */ readonly _idLow: number;
  /** @internal Lazily built hex of the span id. */ _idHex: string;
  // Trace state, meaningful on roots only. Every span carries the fields so that all spans share
  // one hidden class (monomorphic property access on the hot path).
  /** @internal */ _traceHex: string;
  /** @internal Recorded spans in the trace so far (root included). */ _spanCount: number;
  /** @internal Descendants refused by the per-trace cap. */ _truncated: number;
  /** @internal Sampling weight in force when the root was admitted. */ _weight: number;
  /** @internal The root name's fair-share bucket, charged for children; unset when admitted beyond the share. */
  _shareBucket: RateBucket | undefined;
  /** @internal Trace id words (roots only; set by the profiler right after construction). */
  _trace0: number;
  /** @internal */ _trace1: number;
  /** @internal */ _trace2: number;
  /** @internal */ _trace3: number;

  /** Created by the profiler only; user code gets spans from `measure()`/`start()`. */
  constructor(
    owner: SpanOwner,
    name: string,
    attributes: Attributes | undefined,
    start: number,
    parent: Span | undefined,
    idHigh: number,
    idLow: number,
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
    this._idHigh = idHigh;
    this._idLow = (idHigh | idLow) === 0 ? 1 : idLow; // W3C forbids the all-zero id
    this._idHex = '';
    this._traceHex = '';
    this._spanCount = 1;
    this._truncated = 0;
    this._weight = 1;
    this._shareBucket = undefined;
    this._trace0 = 0;
    this._trace1 = 0;
    this._trace2 = 0;
    this._trace3 = 0;
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
    if (this._idHex === '') this._idHex = wordToHex(this._idHigh) + wordToHex(this._idLow);
    return this._idHex;
  }

  /** W3C trace id: 32 lowercase hex characters, shared by the whole trace. */
  get traceId(): string {
    const root = this._root;
    if (root._traceHex === '') {
      let hex =
        wordToHex(root._trace0) +
        wordToHex(root._trace1) +
        wordToHex(root._trace2) +
        wordToHex(root._trace3);
      if (hex === '00000000000000000000000000000000') hex = '00000000000000000000000000000001';
      root._traceHex = hex;
    }
    return root._traceHex;
  }

  /** The parent's span id, or `undefined` on a root. */
  get parentSpanId(): string | undefined {
    return this._parent?.spanId;
  }

  /**
   * Adds or replaces tags. Values must be strings, numbers, booleans or arrays of one of them;
   * other values are dropped (and counted) when the record is built, never thrown.
   */
  annotate(attributes: Attributes): this {
    if (this._duration >= 0 || attributes === null || typeof attributes !== 'object') return this;
    if (!this._ownsAttributes) {
      // Copy on first write so the caller's object (often a shared literal) is never mutated.
      this._attributes = { ...this._attributes };
      this._ownsAttributes = true;
    }
    Object.assign(this._attributes!, attributes);
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
