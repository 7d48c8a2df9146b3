import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE_LIMITS, RunProfileBuilder, selfTimeMs } from '../src/RunProfileBuilder.js';
import type { RunProfileLimits, StackFrame } from '../src/runProfileTypes.js';
import { TimelineBuilder } from '../src/TimelineBuilder.js';

const T0 = 1_700_000_000_000;

function builder(limits: Partial<RunProfileLimits> = {}): RunProfileBuilder {
  return new RunProfileBuilder(
    'run-1',
    { ...DEFAULT_PROFILE_LIMITS, ...limits },
    new TimelineBuilder(T0, T0 + 10_000, 3_600),
  );
}

interface Row {
  trace: string;
  id: string;
  parent: string | null;
  name: string;
  start: number;
  duration: number;
  error?: boolean;
  weight?: number;
}

/** Adds rows in the order given (storage order: children usually before parents). */
function add(b: RunProfileBuilder, rows: Row[]): void {
  for (const r of rows) {
    b.addSpan(
      r.trace,
      r.id,
      r.parent,
      r.name,
      T0 + r.start,
      r.duration,
      r.error === true,
      r.weight ?? 1,
      r.parent === null,
    );
  }
}

function find(frame: StackFrame, path: string[]): StackFrame | undefined {
  let current: StackFrame | undefined = frame;
  for (const name of path) current = current?.children.find((c) => c.name === name);
  return current;
}

/** GET /orders (100 ms) with two overlapping db.query children (10–50, 30–70) and a render (80–90). */
function orderTrace(trace: string, weight = 1, offset = 0): Row[] {
  return [
    {
      trace,
      id: `${trace}-q1`,
      parent: `${trace}-r`,
      name: 'db.query',
      start: offset + 10,
      duration: 40,
      weight,
    },
    {
      trace,
      id: `${trace}-q2`,
      parent: `${trace}-r`,
      name: 'db.query',
      start: offset + 30,
      duration: 40,
      weight,
    },
    {
      trace,
      id: `${trace}-x`,
      parent: `${trace}-r`,
      name: 'render',
      start: offset + 80,
      duration: 10,
      weight,
    },
    {
      trace,
      id: `${trace}-r`,
      parent: null,
      name: 'GET /orders',
      start: offset,
      duration: 100,
      weight,
    },
  ];
}

describe('RunProfileBuilder', () => {
  it('merges traces into a stack tree with weighted totals and union-based self time', () => {
    const b = builder();
    add(b, orderTrace('t1', 1));
    add(b, orderTrace('t2', 3, 1000));
    const { omitted } = b.finish();
    const stacks = b.stacks(new Map());
    expect(stacks.name).toBe('run-1');
    const root = find(stacks, ['GET /orders'])!;
    expect(root.calls).toBe(4);
    expect(root.recorded).toBe(2);
    expect(root.totalMs).toBe(400);
    // Children cover 10–70 and 80–90: 70 ms of 100; self 30 ms per call.
    expect(root.selfMs).toBe(120);
    const query = find(stacks, ['GET /orders', 'db.query'])!;
    expect(query.recorded).toBe(4);
    expect(query.calls).toBe(8);
    expect(query.totalMs).toBe(320);
    expect(query.selfMs).toBe(320);
    expect(find(stacks, ['GET /orders', 'render'])!.totalMs).toBe(40);
    expect(stacks.totalMs).toBe(400);
    expect(omitted).toEqual({ spansInOtherFrames: 0, detachedSpans: 0, namesWithoutHistogram: 0 });
  });

  it("scales each frame by its spans' root-name factor, as the call estimates scale the summary", () => {
    const b = builder();
    add(b, orderTrace('t1', 1));
    add(b, orderTrace('t2', 3, 1000));
    add(b, [{ trace: 'b', id: 'b-c', parent: 'missing', name: 'orphan', start: 0, duration: 3 }]);
    b.finish();
    // 10 exact calls of GET /orders for Σ root weight 4: factor 2.5; the orphan has no root.
    const stacks = b.stacks(new Map([['GET /orders', 2.5]]));
    const root = find(stacks, ['GET /orders'])!;
    expect(root.calls).toBe(10);
    expect(root.recorded).toBe(2);
    expect(root.totalMs).toBe(1000);
    expect(root.selfMs).toBe(300);
    const query = find(stacks, ['GET /orders', 'db.query'])!;
    expect(query.calls).toBe(20);
    expect(query.totalMs).toBe(800);
    expect(find(stacks, ['orphan'])!.calls).toBe(1);
    expect(stacks.calls).toBe(10 + 1);
  });

  it("joins a child stored after its parent to the parent's stack; a span whose parent never comes starts its own", () => {
    const b = builder();
    add(b, [
      { trace: 'a', id: 'a-r', parent: null, name: 'job', start: 0, duration: 10 },
      // Ended after its root was read: it still joins the root's stack.
      { trace: 'a', id: 'a-late', parent: 'a-r', name: 'late', start: 5, duration: 20 },
      { trace: 'b', id: 'b-c', parent: 'missing', name: 'orphan', start: 0, duration: 3 },
    ]);
    const { omitted } = b.finish();
    const stacks = b.stacks(new Map());
    expect(find(stacks, ['job'])!.selfMs).toBe(10);
    expect(find(stacks, ['job', 'late'])!.totalMs).toBe(20);
    expect(find(stacks, ['orphan'])!.totalMs).toBe(3);
    expect(omitted.detachedSpans).toBe(1);
  });

  it('keeps memory bounded: waiting spans past the limit are detached, frames past the limit go to (other)', () => {
    const b = builder({ pendingSpans: 10, stackFrames: 4 });
    for (let i = 0; i < 50; i++) {
      add(b, [
        { trace: `t${i}`, id: `c${i}`, parent: `never${i}`, name: `n${i}`, start: i, duration: 1 },
      ]);
    }
    const { omitted } = b.finish();
    const stacks = b.stacks(new Map());
    expect(omitted.detachedSpans).toBe(50);
    // Root + 3 named frames + (other).
    expect(stacks.children.map((c) => c.name).sort()).toEqual(['(other)', 'n0', 'n1', 'n2']);
    expect(find(stacks, ['(other)'])!.recorded).toBe(47);
    expect(omitted.spansInOtherFrames).toBe(47);
  });

  it('keeps the slowest traces as depth-first waterfalls, longest first', () => {
    const b = builder({ slowestTraces: 2 });
    add(b, orderTrace('t1', 1, 0));
    add(b, [{ trace: 't2', id: 't2-r', parent: null, name: 'fast', start: 200, duration: 5 }]);
    add(b, [
      {
        trace: 't3',
        id: 't3-c',
        parent: 't3-r',
        name: 'child',
        start: 310,
        duration: 100,
        error: true,
      },
      { trace: 't3', id: 't3-r', parent: null, name: 'slow', start: 300, duration: 500 },
    ]);
    const { slowestTraces } = b.finish();
    expect(slowestTraces.map((t) => t.traceId)).toEqual(['t3', 't1']);
    expect(slowestTraces[0]!.spans).toEqual([
      { name: 'slow', offsetMs: 0, durationMs: 500, depth: 0, status: 'ok' },
      { name: 'child', offsetMs: 10, durationMs: 100, depth: 1, status: 'error' },
    ]);
    expect(slowestTraces[1]!.spans.map((s) => [s.name, s.offsetMs])).toEqual([
      ['GET /orders', 0],
      ['db.query', 10],
      ['db.query', 30],
      ['render', 80],
    ]);
    expect(slowestTraces[1]!.spanCount).toBe(4);
  });

  it('sums child weights per root name for the call estimates, and bins latencies', () => {
    const b = builder();
    add(b, orderTrace('t1', 2));
    const { childWeightsByRoot } = b.finish();
    expect(childWeightsByRoot.sort()).toEqual([
      ['db.query', 'GET /orders', 4, 160],
      ['render', 'GET /orders', 2, 20],
    ]);
    const histogram = b.latency('db.query')!;
    expect(histogram.counts.reduce((x, y) => x + y, 0)).toBe(2);
    const index = histogram.counts.findIndex((c) => c > 0);
    expect(histogram.lowerMs[index]!).toBeLessThanOrEqual(40);
    expect(histogram.lowerMs[index + 1] ?? histogram.upperMs).toBeGreaterThan(40);
  });
});

describe('selfTimeMs', () => {
  it('subtracts the union of the children, clipped to the span', () => {
    expect(selfTimeMs({ start: 0, duration: 100 })).toBe(100);
    expect(
      selfTimeMs({
        start: 0,
        duration: 100,
        children: [
          { start: 50, duration: 100 },
          { start: 10, duration: 20 },
          { start: 15, duration: 5 },
        ],
      }),
    ).toBe(30);
  });
});

describe('TimelineBuilder', () => {
  it('shares a count interval among the seconds it overlaps and counts stored spans by start', () => {
    const timeline = new TimelineBuilder(T0 + 200, T0 + 3_000, 3_600);
    timeline.addCounts(T0 + 500, T0 + 1_500, 10, 4, 6);
    timeline.addSpan(T0 + 2_100);
    const { buckets, bucketMs, hasCounts } = timeline.build();
    expect(bucketMs).toBe(1000);
    expect(hasCounts).toBe(true);
    expect(buckets.map((b) => b.calls)).toEqual([5, 5, 0]);
    expect(buckets.map((b) => b.dropped)).toEqual([3, 3, 0]);
    expect(buckets.map((b) => b.stored)).toEqual([0, 0, 1]);
  });

  it('widens buckets so a long run has at most maxBuckets', () => {
    const timeline = new TimelineBuilder(T0, T0 + 86_400_000, 3_600);
    const { buckets, bucketMs } = timeline.build();
    expect(bucketMs).toBe(24_000);
    expect(buckets.length).toBeLessThanOrEqual(3_600);
  });
});
