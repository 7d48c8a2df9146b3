// One pass over a run's spans in start order that works out every span's self time: its duration
// minus the union of its children's intervals (clipped to its own). Memory holds only the spans
// open at the current point of the stream (in-flight work), never the whole run.

import { EndHeap } from './endHeap.js';
import { SpanIdIndex } from './SpanIdIndex.js';

/** A span as the walk sees it. `T` is what the caller attached when the span arrived. */
export interface WalkedSpan<T> {
  readonly traceId: string;
  readonly spanId: string;
  readonly start: number;
  readonly end: number;
  /** Filled in when the span is finished: duration minus the union of its children. */
  selfMs: number;
  /** The nearest stored ancestor that was still open when this span arrived. */
  readonly parent: WalkedSpan<T> | undefined;
  readonly data: T;
  /** Union of the children seen so far: total of closed segments, and the open segment. */
  coveredMs: number;
  segmentStart: number;
  segmentEnd: number;
  /** The span id's hash in the walk's index of open spans. */
  hash: number;
}

/** A child seen before its parent (equal start times, clock rounding): applied on arrival. */
interface PendingChild {
  start: number;
  end: number;
}

/**
 * How long (ms of start time) a child that arrived before its parent waits for it. Start times
 * of a parent and its first child can tie or differ by float rounding of epoch-ms doubles.
 */
const PARENT_WAIT_MS = 0.01;

/**
 * Feeds spans in ascending start order with {@link SelfTimeWalk.add}; each span is handed to
 * `onFinish` once no later span can be its child (the stream has passed its end), with its
 * `selfMs` set. Call {@link SelfTimeWalk.finish} after the last span.
 *
 * A child is subtracted from the parent it names when that parent is open (stored, in the same
 * trace, not yet ended); a child that starts after its parent ended adds nothing (it is clipped to
 * the parent's interval). A span whose parent is not stored keeps its whole duration as self
 * time, as a root would.
 */
export class SelfTimeWalk<T> {
  readonly #open = new SpanIdIndex<WalkedSpan<T>>(64);
  readonly #byEnd = new EndHeap<WalkedSpan<T>>();
  readonly #pending = new Map<string, PendingChild[]>();
  readonly #pendingOrder: Array<{ parentId: string; start: number }> = [];
  #pendingHead = 0;
  readonly #onFinish: (span: WalkedSpan<T>) => void;

  constructor(onFinish: (span: WalkedSpan<T>) => void) {
    this.#onFinish = onFinish;
  }

  /** Open spans right now (the walk's memory, in spans). */
  get openSpans(): number {
    return this.#open.size;
  }

  /** The open parent a span names, if it is open and in the same trace. */
  parentOf(traceId: string, parentSpanId: string | null): WalkedSpan<T> | undefined {
    if (parentSpanId === null) return undefined;
    const parent = this.#open.get(parentSpanId);
    return parent !== undefined && parent.traceId === traceId ? parent : undefined;
  }

  /**
   * Adds the next span (start times must not decrease). `parent` comes from {@link parentOf}, so
   * the caller can derive `data` from it (a stack path, a root name).
   */
  add(
    traceId: string,
    spanId: string,
    parentSpanId: string | null,
    start: number,
    durationMs: number,
    parent: WalkedSpan<T> | undefined,
    data: T,
  ): void {
    this.#finishBefore(start);
    const end = start + Math.max(0, durationMs);
    if (parent !== undefined) {
      cover(parent, start, end);
    } else if (parentSpanId !== null) {
      // The parent may arrive next with the same start time: keep the interval for a moment.
      let list = this.#pending.get(parentSpanId);
      if (list === undefined) {
        list = [];
        this.#pending.set(parentSpanId, list);
      }
      list.push({ start, end });
      this.#pendingOrder.push({ parentId: parentSpanId, start });
    }
    const span: WalkedSpan<T> = {
      traceId,
      spanId,
      start,
      end,
      selfMs: 0,
      parent,
      data,
      coveredMs: 0,
      segmentStart: start,
      segmentEnd: start,
      hash: 0,
    };
    const early = this.#pending.get(spanId);
    if (early !== undefined) {
      this.#pending.delete(spanId);
      for (const child of early) cover(span, child.start, child.end);
    }
    span.hash = this.#open.set(spanId, span);
    this.#byEnd.push(span);
  }

  /** Finishes every span still open. */
  finish(): void {
    this.#finishBefore(Number.POSITIVE_INFINITY);
  }

  #finishBefore(time: number): void {
    for (let top = this.#byEnd.peek(); top !== undefined && top.end < time; ) {
      this.#byEnd.pop();
      top.coveredMs += top.segmentEnd - top.segmentStart;
      top.selfMs = Math.max(0, top.end - top.start - top.coveredMs);
      this.#open.deleteIf(top.spanId, top, top.hash);
      this.#onFinish(top);
      top = this.#byEnd.peek();
    }
    // Children whose parent never came within the wait are left to themselves.
    const order = this.#pendingOrder;
    while (
      this.#pendingHead < order.length &&
      order[this.#pendingHead]!.start + PARENT_WAIT_MS < time
    ) {
      this.#pending.delete(order[this.#pendingHead]!.parentId);
      this.#pendingHead++;
    }
    if (this.#pendingHead > 1024 && this.#pendingHead * 2 > order.length) {
      order.splice(0, this.#pendingHead);
      this.#pendingHead = 0;
    }
  }
}

/** Adds a child's interval, clipped to the parent's, to the parent's union of children. */
function cover<T>(parent: WalkedSpan<T>, childStart: number, childEnd: number): void {
  const start = Math.max(childStart, parent.start);
  const end = Math.min(childEnd, parent.end);
  if (end <= start) return;
  if (start > parent.segmentEnd) {
    parent.coveredMs += parent.segmentEnd - parent.segmentStart;
    parent.segmentStart = start;
    parent.segmentEnd = end;
  } else if (end > parent.segmentEnd) {
    parent.segmentEnd = end;
  }
}
