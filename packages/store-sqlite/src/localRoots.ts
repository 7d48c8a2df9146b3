// Which local root each span of a run belongs to, found through parent ids, so that a child is
// scaled by its own root's factor (callEstimates.ts) whatever the start times say.

import { EndHeap } from './endHeap.js';
import { SpanIdIndex } from './SpanIdIndex.js';

/** How many closed spans stay known after they end, for children that start later. */
export const DEFAULT_KEEP_CLOSED = 4096;
/** How many spans may wait for a parent not seen yet before the longest-waiting give up. */
export const DEFAULT_MAX_WAITING = 100_000;

/** A span whose local root is settled: its own name (a root), its parent's root, or unknown. */
interface Placed {
  readonly traceId: string;
  readonly spanId: string;
  readonly end: number;
  readonly rootName: string | undefined;
  /** The span id's hash in `#placed`. */
  hash: number;
}

/** A span whose parent has not arrived yet, with what the caller attached to it. */
interface Waiting<T> {
  readonly traceId: string;
  readonly spanId: string;
  readonly end: number;
  readonly payload: T;
}

/**
 * Finds each span's local root (the nearest ancestor, or itself, stored as a root: no parent or a
 * remote one) by following parent ids, for spans added in any order: a span whose parent has
 * not arrived waits under the parent's id and is placed when the parent is (its own waiting
 * children with it). Start times decide nothing, so spans from two clocks (OpenTelemetry's
 * whole-millisecond `Date.now()` starts beside the profiler's `performance` clock), children
 * starting after their parent ended, and parents stored after their children all find their root.
 *
 * `onPlaced(payload, rootName)` runs once per added span, when its root is known, or with
 * `undefined` when it never can be: its parent is not stored (or was forgotten), or it waited
 * while more than `maxWaiting` others did (the longest-waiting give up first), or
 * {@link LocalRoots.finish} came first.
 *
 * Memory: fed in ascending start order, it holds the open spans (the stream has not passed their
 * end), the last `keepClosed` closed ones, and the spans waiting for a parent; never the run.
 */
/** The fields of a stored span row that {@link LocalRoots.addRow} reads. */
export interface LocalRootsRow {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly isRoot: boolean;
  readonly name: string;
  readonly start: number;
  readonly durationMs: number;
}

export class LocalRoots<T> {
  readonly #onPlaced: (payload: T, rootName: string | undefined) => void;
  readonly #keepClosed: number;
  readonly #maxWaiting: number;
  /** Placed spans by span id: the open ones and the last `keepClosed` closed ones. */
  readonly #placed = new SpanIdIndex<Placed>();
  readonly #open = new EndHeap<Placed>();
  /** The closed spans still in `#placed`, the oldest at `#closedNext` once the ring is full. */
  readonly #closed: Placed[] = [];
  #closedNext = 0;
  /** Spans waiting for their parent, by the parent's span id. */
  readonly #waiting = new Map<string, Waiting<T>[]>();
  /** Parent ids in the order spans started waiting for them (entries may be stale). */
  readonly #waitOrder: string[] = [];
  #waitHead = 0;
  #waitingSpans = 0;
  #latestStart = Number.NEGATIVE_INFINITY;
  #unplaced = 0;

  constructor(
    onPlaced: (payload: T, rootName: string | undefined) => void,
    limits: { keepClosed?: number; maxWaiting?: number } = {},
  ) {
    this.#onPlaced = onPlaced;
    this.#keepClosed = limits.keepClosed ?? DEFAULT_KEEP_CLOSED;
    this.#maxWaiting = limits.maxWaiting ?? DEFAULT_MAX_WAITING;
  }

  /** Spans whose local root was not found (so far). */
  get unplaced(): number {
    return this.#unplaced;
  }

  /**
   * Adds one span. `isRoot` is the stored flag (no parent, or a remote one): such a span is its
   * own local root whatever its parent id says.
   */
  add(
    traceId: string,
    spanId: string,
    parentSpanId: string | null,
    isRoot: boolean,
    name: string,
    start: number,
    end: number,
    payload: T,
  ): void {
    if (start > this.#latestStart) {
      this.#latestStart = start;
      this.#closeBefore(start);
    }
    if (isRoot || parentSpanId === null) {
      this.#place(traceId, spanId, end, name, payload);
      return;
    }
    const parent = this.#placed.get(parentSpanId);
    if (parent !== undefined && parent.traceId === traceId) {
      this.#place(traceId, spanId, end, parent.rootName, payload);
      return;
    }
    const waiting: Waiting<T> = { traceId, spanId, end, payload };
    const siblings = this.#waiting.get(parentSpanId);
    if (siblings === undefined) {
      this.#waiting.set(parentSpanId, [waiting]);
      this.#waitOrder.push(parentSpanId);
    } else siblings.push(waiting);
    this.#waitingSpans++;
    while (this.#waitingSpans > this.#maxWaiting) this.#giveUpOldest();
  }

  /** Adds one span as a stored row gives it (its end is start plus a non-negative duration). */
  addRow(row: LocalRootsRow, payload: T): void {
    this.add(
      row.traceId,
      row.spanId,
      row.parentSpanId,
      row.isRoot,
      row.name,
      row.start,
      row.start + Math.max(0, row.durationMs),
      payload,
    );
  }

  /** Ends the stream: spans still waiting for a parent are placed without a root. */
  finish(): void {
    while (this.#waitingSpans > 0) this.#giveUpOldest();
  }

  /** Places a span and, through it, every span waiting for it (iteratively, depth first). */
  #place(
    traceId: string,
    spanId: string,
    end: number,
    rootName: string | undefined,
    payload: T,
  ): void {
    const placed = this.#settle(traceId, spanId, end, rootName, payload);
    if (this.#waiting.size === 0) return;
    const stack: Placed[] = [placed];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      const children = this.#waiting.get(next.spanId);
      if (children === undefined) continue;
      this.#waiting.delete(next.spanId);
      this.#waitingSpans -= children.length;
      for (const child of children) {
        // A child naming a span of another trace (a damaged file) is not its descendant.
        const root = child.traceId === next.traceId ? next.rootName : undefined;
        stack.push(this.#settle(child.traceId, child.spanId, child.end, root, child.payload));
      }
    }
  }

  #settle(
    traceId: string,
    spanId: string,
    end: number,
    rootName: string | undefined,
    payload: T,
  ): Placed {
    if (rootName === undefined) this.#unplaced++;
    this.#onPlaced(payload, rootName);
    const placed: Placed = { traceId, spanId, end, rootName, hash: 0 };
    placed.hash = this.#placed.set(spanId, placed);
    this.#open.push(placed);
    return placed;
  }

  /** Moves the spans that ended before `time` to the ring of closed ones, forgetting the oldest. */
  #closeBefore(time: number): void {
    const open = this.#open;
    const closed = this.#closed;
    for (let top = open.peek(); top !== undefined && top.end < time; top = open.peek()) {
      open.pop();
      if (this.#placed.get(top.spanId, top.hash) !== top) continue;
      if (closed.length < this.#keepClosed) {
        closed.push(top);
        continue;
      }
      const oldest = closed[this.#closedNext]!;
      this.#placed.deleteIf(oldest.spanId, oldest, oldest.hash);
      closed[this.#closedNext] = top;
      this.#closedNext = this.#closedNext + 1 === this.#keepClosed ? 0 : this.#closedNext + 1;
    }
  }

  /** The spans waiting longest for one parent give up: placed without a root. */
  #giveUpOldest(): void {
    const order = this.#waitOrder;
    while (this.#waitHead < order.length) {
      const parentId = order[this.#waitHead++]!;
      const children = this.#waiting.get(parentId);
      if (children === undefined) continue;
      this.#waiting.delete(parentId);
      this.#waitingSpans -= children.length;
      for (const child of children) {
        this.#place(child.traceId, child.spanId, child.end, undefined, child.payload);
      }
      break;
    }
    if (this.#waitHead > 1024 && this.#waitHead * 2 > order.length) {
      order.splice(0, this.#waitHead);
      this.#waitHead = 0;
    }
  }
}
