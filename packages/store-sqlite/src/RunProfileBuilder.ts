import { LatencyHistogramSet } from './LatencyHistogramSet.js';
import { RecentMap } from './RecentMap.js';
import type {
  LatencyHistogram,
  RunProfileLimits,
  RunProfileOmissions,
  RunTimeline,
  StackFrame,
  WaterfallSpan,
  WaterfallTrace,
} from './runProfileTypes.js';
import { type MutableFrame, StackTreeBuilder } from './StackTreeBuilder.js';
import type { TimelineBuilder } from './TimelineBuilder.js';

/** The default bounds of a run profile: a few MB of memory and of report, whatever the run. */
export const DEFAULT_PROFILE_LIMITS: Readonly<RunProfileLimits> = Object.freeze({
  stackFrames: 5_000,
  stackDepth: 64,
  pendingSpans: 200_000,
  recentSpans: 10_000,
  histogramNames: 1_000,
  timelineBuckets: 3_600,
  slowestTraces: 10,
  waterfallSpans: 300,
});

/** A stored span while its trace is assembled. */
interface PendingSpan {
  traceId: string;
  name: string;
  start: number;
  duration: number;
  weight: number;
  error: boolean;
  /** Spans in this subtree, itself included. */
  size: number;
  children: PendingSpan[] | undefined;
}

/** Where a merged span landed, so a child that ends after it can still join its stack. */
interface MergedSpan {
  frame: MutableFrame;
  depth: number;
  /** The trace root's name; undefined when the span was detached (its root is not known). */
  rootName: string | undefined;
}

interface KeptTrace {
  durationMs: number;
  startTime: number;
  trace: WaterfallTrace;
}

/** `[child name, root name, Σ weight, Σ weight × duration]`, as the call estimates take them. */
export type ChildWeightsByRoot = [string, string, number, number][];

/**
 * Builds the stack tree, latency histograms, timeline and slowest traces of one run from its
 * spans in storage order. Spans are written when they end, so children usually come before their
 * parent: a child waits under its parent's id until the parent arrives, and a trace is merged
 * into the tree (then forgotten) when its root arrives. Memory grows with traces in flight
 * (bounded by `pendingSpans`), distinct stacks and names, never with the run's size.
 */
export class RunProfileBuilder {
  readonly #limits: RunProfileLimits;
  readonly #timeline: TimelineBuilder;
  readonly #tree: StackTreeBuilder;
  readonly #histograms: LatencyHistogramSet;
  /** Children (with their subtrees) waiting for their parent, by the parent's span id. */
  readonly #waiting = new Map<string, PendingSpan[]>();
  #pendingSpans = 0;
  #detachedSpans = 0;
  readonly #slowest: KeptTrace[] = [];
  /** Σ weight and Σ weight × duration of child spans, by root name then child name. */
  readonly #childWeights = new Map<string, Map<string, [number, number]>>();
  /** The most recently merged spans by span id (at most `recentSpans`, oldest evicted first). */
  readonly #merged: RecentMap<MergedSpan>;
  /** Root names of the most recently merged traces by trace id (same bound). */
  readonly #rootNames: RecentMap<string>;

  constructor(rootName: string, limits: RunProfileLimits, timeline: TimelineBuilder) {
    this.#limits = limits;
    this.#timeline = timeline;
    this.#tree = new StackTreeBuilder(rootName, limits.stackFrames);
    this.#histograms = new LatencyHistogramSet(limits.histogramNames);
    this.#merged = new RecentMap(limits.recentSpans);
    this.#rootNames = new RecentMap(limits.recentSpans);
  }

  /** One stored span; `isRoot` when it has no parent in the run. */
  addSpan(
    traceId: string,
    spanId: string,
    parentSpanId: string | null,
    name: string,
    startTime: number,
    durationMs: number,
    isError: boolean,
    weight: number,
    isRoot: boolean,
  ): void {
    this.#timeline.addSpan(startTime);
    this.#histograms.add(name, durationMs);
    const span: PendingSpan = {
      traceId,
      name,
      start: startTime,
      duration: durationMs,
      weight,
      error: isError,
      size: 1,
      children: this.#waiting.get(spanId),
    };
    if (span.children !== undefined) {
      this.#waiting.delete(spanId);
      for (const child of span.children) span.size += child.size;
    }
    if (isRoot || parentSpanId === null) {
      this.#pendingSpans -= span.size - 1;
      this.#rootNames.set(traceId, name);
      this.#merge(span, spanId, traceId, undefined);
      this.#keepIfSlow(traceId, span);
      return;
    }
    const parent = this.#merged.get(parentSpanId);
    if (parent !== undefined) {
      // It ended after its parent was stored (not awaited): it joins the parent's stack.
      this.#pendingSpans -= span.size - 1;
      this.#merge(span, spanId, traceId, parent);
      return;
    }
    const siblings = this.#waiting.get(parentSpanId);
    if (siblings === undefined) this.#waiting.set(parentSpanId, [span]);
    else siblings.push(span);
    this.#pendingSpans++;
    if (this.#pendingSpans > this.#limits.pendingSpans) this.#detachOldest();
  }

  /**
   * Ends the run: spans still waiting (their parent never came) start their own stacks. The stack
   * tree comes from {@link RunProfileBuilder.stacks} once the call estimates' factors are known.
   */
  finish(): {
    timeline: RunTimeline;
    slowestTraces: WaterfallTrace[];
    childWeightsByRoot: ChildWeightsByRoot;
    omitted: RunProfileOmissions;
  } {
    while (this.#waiting.size > 0) this.#detachOldest();
    const childWeightsByRoot: ChildWeightsByRoot = [];
    for (const [root, children] of this.#childWeights) {
      for (const [child, [weight, weightedMs]] of children) {
        childWeightsByRoot.push([child, root, weight, weightedMs]);
      }
    }
    return {
      timeline: this.#timeline.build(),
      slowestTraces: this.#slowest.map((kept) => kept.trace),
      childWeightsByRoot,
      omitted: {
        spansInOtherFrames: this.#tree.spansInOtherFrames,
        detachedSpans: this.#detachedSpans,
        namesWithoutHistogram: 0,
      },
    };
  }

  /**
   * The stack tree, each frame's calls and times scaled by the factor of its spans' root names
   * (root name → exact calls ÷ Σ stored root weight, from the call estimates), so the flame graph
   * counts calls as the summary does. Call after {@link RunProfileBuilder.finish}.
   */
  stacks(factors: ReadonlyMap<string, number>): StackFrame {
    return this.#tree.build(factors);
  }

  /** The latency histogram of `name`, if it has one. */
  latency(name: string): LatencyHistogram | undefined {
    return this.#histograms.get(name);
  }

  /** Merges the children waiting longest for a parent into the tree as top-level stacks. */
  #detachOldest(): void {
    const [parentId, orphans] = this.#waiting.entries().next().value as [string, PendingSpan[]];
    this.#waiting.delete(parentId);
    for (const orphan of orphans) {
      this.#pendingSpans -= orphan.size;
      this.#detachedSpans++;
      this.#merge(orphan, undefined, orphan.traceId, undefined);
    }
  }

  /**
   * Adds a whole (sub)tree to the stack tree, depth first: at the top level for a root or a
   * detached span, else under the frame of its already merged `parent`. The top span is
   * remembered by `spanId`, so that children ending after it can join it.
   */
  #merge(
    top: PendingSpan,
    spanId: string | undefined,
    traceId: string | undefined,
    parent: MergedSpan | undefined,
  ): void {
    const tree = this.#tree;
    const maxDepth = this.#limits.stackDepth;
    const isRoot = parent === undefined && spanId !== undefined;
    const rootName = isRoot ? top.name : (parent?.rootName ?? this.#detachedRootName(traceId));
    const childWeights = rootName === undefined ? undefined : this.#childWeightsOf(rootName);
    const topDepth = parent === undefined ? 1 : parent.depth + 1;
    const topFrame =
      parent === undefined
        ? tree.child(tree.root, top.name)
        : parent.depth >= maxDepth
          ? parent.frame
          : tree.child(parent.frame, top.name);
    if (spanId !== undefined) {
      this.#merged.set(spanId, { frame: topFrame, depth: topDepth, rootName });
    }
    const stack: [PendingSpan, MutableFrame, number][] = [[top, topFrame, topDepth]];
    while (stack.length > 0) {
      const [span, frame, depth] = stack.pop()!;
      tree.add(frame, rootName, span.weight, span.duration, selfTimeMs(span), span.error);
      if (childWeights !== undefined && !(isRoot && span === top)) {
        const sums = childWeights.get(span.name);
        if (sums === undefined) {
          childWeights.set(span.name, [span.weight, span.weight * span.duration]);
        } else {
          sums[0] += span.weight;
          sums[1] += span.weight * span.duration;
        }
      }
      for (const child of span.children ?? []) {
        stack.push([child, depth >= maxDepth ? frame : tree.child(frame, child.name), depth + 1]);
      }
    }
  }

  /** The root name of a detached span's trace, when its root was merged recently. */
  #detachedRootName(traceId: string | undefined): string | undefined {
    return traceId === undefined ? undefined : this.#rootNames.get(traceId);
  }

  #childWeightsOf(rootName: string): Map<string, [number, number]> {
    let children = this.#childWeights.get(rootName);
    if (children === undefined) {
      children = new Map();
      this.#childWeights.set(rootName, children);
    }
    return children;
  }

  /** Keeps the trace among the slowest (longest root first, earlier start on ties). */
  #keepIfSlow(traceId: string, root: PendingSpan): void {
    const kept = this.#slowest;
    const limit = this.#limits.slowestTraces;
    const last = kept[kept.length - 1];
    if (
      kept.length >= limit &&
      last !== undefined &&
      (root.duration < last.durationMs ||
        (root.duration === last.durationMs && root.start >= last.startTime))
    ) {
      return;
    }
    const entry: KeptTrace = {
      durationMs: root.duration,
      startTime: root.start,
      trace: toWaterfall(traceId, root, this.#limits.waterfallSpans),
    };
    let i = kept.length;
    while (
      i > 0 &&
      (kept[i - 1]!.durationMs < entry.durationMs ||
        (kept[i - 1]!.durationMs === entry.durationMs && kept[i - 1]!.startTime > entry.startTime))
    ) {
      i--;
    }
    kept.splice(i, 0, entry);
    if (kept.length > limit) kept.pop();
  }
}

/**
 * A span's duration minus the union of its children's intervals (clipped to the span), so
 * overlapping children are not subtracted twice. Sorts the children by start time.
 */
export function selfTimeMs(span: {
  start: number;
  duration: number;
  children?: { start: number; duration: number }[] | undefined;
}): number {
  const children = span.children;
  if (children === undefined || children.length === 0) return span.duration;
  children.sort((a, b) => a.start - b.start);
  const end = span.start + span.duration;
  let covered = 0;
  let coveredUntil = span.start;
  for (const child of children) {
    const from = Math.max(child.start, coveredUntil);
    const to = Math.min(child.start + child.duration, end);
    if (to > from) {
      covered += to - from;
      coveredUntil = to;
    }
  }
  return Math.max(span.duration - covered, 0);
}

/** The first `limit` spans of a trace in depth-first order, children by start time. */
function toWaterfall(traceId: string, root: PendingSpan, limit: number): WaterfallTrace {
  const spans: WaterfallSpan[] = [];
  const stack: [PendingSpan, number][] = [[root, 0]];
  while (stack.length > 0 && spans.length < limit) {
    const [span, depth] = stack.pop()!;
    spans.push({
      name: span.name,
      offsetMs: span.start - root.start,
      durationMs: span.duration,
      depth,
      status: span.error ? 'error' : 'ok',
    });
    const children = span.children ?? [];
    for (let i = children.length - 1; i >= 0; i--) stack.push([children[i]!, depth + 1]);
  }
  return {
    traceId,
    startTime: root.start,
    durationMs: root.duration,
    spanCount: root.size,
    spans,
  };
}
