import type { SpanRecord } from '@ferret/profiler';
import { shownName } from './flameExport.js';

/** https://www.speedscope.app/file-format-schema.json, the parts Ferret writes. */
export interface SpeedscopeFrame {
  name: string;
}
export interface SpeedscopeFrameEvent {
  type: 'O' | 'C';
  frame: number;
  /** Milliseconds since the start of the trace. */
  at: number;
}
export interface SpeedscopeEventedProfile {
  type: 'evented';
  name: string;
  unit: 'milliseconds';
  startValue: number;
  endValue: number;
  events: SpeedscopeFrameEvent[];
}
export interface SpeedscopeFile {
  $schema: 'https://www.speedscope.app/file-format-schema.json';
  shared: { frames: SpeedscopeFrame[] };
  profiles: SpeedscopeEventedProfile[];
  name?: string;
  activeProfileIndex?: number;
  exporter?: string;
}

export interface SpeedscopeOptions {
  /** File title shown by speedscope. Default `'ferret'`. */
  name?: string;
  /** Written to the file's `exporter` field. */
  exporter?: string;
}

/**
 * Child ends may exceed their parent's end by float rounding of `startTime + duration`
 * (epoch-ms doubles carry ~0.25 µs): up to this many ms the child is still taken as nested.
 */
const NESTING_TOLERANCE_MS = 0.001;

/** Relative times are rounded to nanoseconds: keeps files small and comparisons stable. */
function round(ms: number): number {
  return Math.round(ms * 1e6) / 1e6;
}

interface TimedSpan {
  span: SpanRecord;
  parent: TimedSpan | undefined;
  depth: number;
  start: number;
  end: number;
  /** Where this span was placed as a real frame. */
  placed?: LaneFrame;
}

interface LaneFrame {
  frame: number;
  start: number;
  end: number;
  children: LaneFrame[];
  /** End of the last child placed inside: children arrive in start order and must not overlap. */
  childrenEnd: number;
}

interface Lane {
  top: LaneFrame[];
  /** End of the last top-level block: blocks arrive in start order and must not overlap. */
  busyUntil: number;
}

class FrameTable {
  readonly frames: SpeedscopeFrame[] = [];
  readonly #index = new Map<string, number>();

  /** The frame of a span name: names are shown cut and escaped ({@link shownName}). */
  indexOf(spanName: string): number {
    const name = shownName(spanName);
    let index = this.#index.get(name);
    if (index === undefined) {
      index = this.frames.length;
      this.frames.push({ name });
      this.#index.set(name, index);
    }
    return index;
  }
}

/** Links a trace's spans into parent/child order; a span whose parent is missing (or part of a cycle) is a root. */
function earliestStart(spans: readonly SpanRecord[]): number {
  let min = Number.POSITIVE_INFINITY;
  for (const span of spans) if (span.startTime < min) min = span.startTime;
  return min;
}

function linkTrace(spans: readonly SpanRecord[], base: number): TimedSpan[] {
  const byId = new Map<string, SpanRecord>();
  for (const span of spans) byId.set(span.spanId, span);
  const children = new Map<string, SpanRecord[]>();
  const roots: SpanRecord[] = [];
  for (const span of spans) {
    const parentId = span.parentSpanId;
    if (parentId !== undefined && parentId !== span.spanId && byId.has(parentId)) {
      const list = children.get(parentId);
      if (list === undefined) children.set(parentId, [span]);
      else list.push(span);
    } else {
      roots.push(span);
    }
  }
  const timed: TimedSpan[] = [];
  const seen = new Set<string>();
  const visit = (start: SpanRecord): void => {
    // Iterative: depth is bounded by the data, not by the JS stack.
    const stack: Array<{ span: SpanRecord; parent: TimedSpan | undefined }> = [
      { span: start, parent: undefined },
    ];
    while (stack.length > 0) {
      const { span, parent } = stack.pop()!;
      if (seen.has(span.spanId)) continue;
      seen.add(span.spanId);
      const relStart = round(span.startTime - base);
      const node: TimedSpan = {
        span,
        parent,
        depth: parent === undefined ? 0 : parent.depth + 1,
        start: relStart,
        end: round(span.startTime - base + Math.max(0, span.duration)),
      };
      timed.push(node);
      for (const child of children.get(span.spanId) ?? [])
        stack.push({ span: child, parent: node });
    }
  };
  for (const root of roots) visit(root);
  // Spans only reachable through a parent cycle: break the cycle by treating each as a root.
  for (const span of spans) if (!seen.has(span.spanId)) visit(span);
  return timed;
}

function newFrame(frame: number, start: number, end: number): LaneFrame {
  return { frame, start, end, children: [], childrenEnd: start };
}

/**
 * Lays one trace out on lanes, each lane a timeline on which frames nest properly (what an
 * evented speedscope profile requires). A span goes inside its parent on the parent's lane when it
 * lies within the parent and after the parent's previous child there. Otherwise (it overlaps an
 * earlier sibling, as `Promise.all` children do, or it outlives its parent) it moves to the first
 * other lane that is free over its time range, under copies of its ancestors' frames that span
 * exactly its own range, so every span keeps its exact start and duration and its call path.
 */
function layoutTrace(spans: readonly SpanRecord[], base: number, frames: FrameTable): Lane[] {
  const timed = linkTrace(spans, base).sort(
    (a, b) => a.start - b.start || a.depth - b.depth || b.end - a.end,
  );
  const lanes: Lane[] = [{ top: [], busyUntil: Number.NEGATIVE_INFINITY }];
  const freeLane = (start: number, from: number): Lane => {
    for (let i = from; i < lanes.length; i++) {
      const lane = lanes[i]!;
      if (lane.busyUntil <= start) return lane;
    }
    const lane: Lane = { top: [], busyUntil: Number.NEGATIVE_INFINITY };
    lanes.push(lane);
    return lane;
  };
  for (const node of timed) {
    const frame = frames.indexOf(node.span.name);
    const parentFrame = node.parent?.placed;
    if (parentFrame !== undefined) {
      const fits =
        node.start >= parentFrame.childrenEnd &&
        node.start >= parentFrame.start &&
        node.end <= parentFrame.end + NESTING_TOLERANCE_MS;
      if (fits) {
        const placed = newFrame(frame, node.start, Math.min(node.end, parentFrame.end));
        parentFrame.children.push(placed);
        parentFrame.childrenEnd = placed.end;
        node.placed = placed;
        continue;
      }
    }
    if (node.parent === undefined) {
      const lane = freeLane(node.start, 0);
      const placed = newFrame(frame, node.start, node.end);
      lane.top.push(placed);
      lane.busyUntil = node.end;
      node.placed = placed;
      continue;
    }
    // Fork: ancestors as context frames over exactly this span's range, then the span itself.
    const ancestors: TimedSpan[] = [];
    for (let a: TimedSpan | undefined = node.parent; a !== undefined; a = a.parent)
      ancestors.unshift(a);
    const lane = freeLane(node.start, 1);
    let container: LaneFrame | undefined;
    for (const ancestor of ancestors) {
      const context = newFrame(frames.indexOf(ancestor.span.name), node.start, node.end);
      if (container === undefined) lane.top.push(context);
      else container.children.push(context);
      container = context;
    }
    const placed = newFrame(frame, node.start, node.end);
    container!.children.push(placed);
    container!.childrenEnd = node.end;
    lane.busyUntil = node.end;
    node.placed = placed;
  }
  return lanes;
}

function laneEvents(lane: Lane): SpeedscopeFrameEvent[] {
  const events: SpeedscopeFrameEvent[] = [];
  const stack: Array<{ frame: LaneFrame; next: number }> = [];
  for (const top of lane.top) {
    events.push({ type: 'O', frame: top.frame, at: top.start });
    stack.push({ frame: top, next: 0 });
    while (stack.length > 0) {
      const current = stack[stack.length - 1]!;
      const child = current.frame.children[current.next];
      if (child === undefined) {
        events.push({ type: 'C', frame: current.frame.frame, at: current.frame.end });
        stack.pop();
      } else {
        current.next += 1;
        events.push({ type: 'O', frame: child.frame, at: child.start });
        stack.push({ frame: child, next: 0 });
      }
    }
  }
  return events;
}

function groupByTrace(spans: Iterable<SpanRecord>): Map<string, SpanRecord[]> {
  const traces = new Map<string, SpanRecord[]>();
  for (const span of spans) {
    const list = traces.get(span.traceId);
    if (list === undefined) traces.set(span.traceId, [span]);
    else list.push(span);
  }
  return traces;
}

/**
 * Converts recorded spans into a speedscope file: one evented profile per trace, named after its
 * root span, trace id and thread, with times in milliseconds from the trace's first span. A trace
 * whose spans overlap in time (concurrent async children) gets extra profiles, its "lanes"
 * (`… lane 2/3`): see {@link layoutTrace}. The file opens on the slowest trace.
 *
 * Holds every span of the input in memory while converting.
 */
export function toSpeedscope(
  spans: Iterable<SpanRecord>,
  options: SpeedscopeOptions = {},
): SpeedscopeFile {
  const frames = new FrameTable();
  const profiles: SpeedscopeEventedProfile[] = [];
  let slowest = { index: -1, duration: Number.NEGATIVE_INFINITY };
  for (const [traceId, traceSpans] of groupByTrace(spans)) {
    const base = earliestStart(traceSpans);
    const lanes = layoutTrace(traceSpans, base, frames);
    const root =
      traceSpans.find((span) => span.parentSpanId === undefined) ??
      traceSpans.find((span) => span.startTime === base)!;
    let endValue = 0;
    for (const span of traceSpans) {
      endValue = Math.max(endValue, round(span.startTime - base + Math.max(0, span.duration)));
    }
    const thread = root.threadId === 0 ? '' : ` · thread ${root.threadId}`;
    const title = `${shownName(root.name)} · ${shownName(traceId.slice(0, 8))}${thread}`;
    if (endValue > slowest.duration) slowest = { index: profiles.length, duration: endValue };
    lanes.forEach((lane, i) => {
      profiles.push({
        type: 'evented',
        name: lanes.length === 1 ? title : `${title} · lane ${i + 1}/${lanes.length}`,
        unit: 'milliseconds',
        startValue: 0,
        endValue,
        events: laneEvents(lane),
      });
    });
  }
  const file: SpeedscopeFile = {
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    shared: { frames: frames.frames },
    profiles,
    name: shownName(options.name ?? 'ferret'),
  };
  if (slowest.index >= 0) file.activeProfileIndex = slowest.index;
  if (options.exporter !== undefined) file.exporter = options.exporter;
  return file;
}
