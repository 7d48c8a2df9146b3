// SpanReader.profile() (one pass for a whole-run report) and recent() (a live window).
import { join } from 'node:path';
import type { CountRecord, SpanRecord } from '@ferret/profiler';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSpanReader, type SpanReader, SqliteSpanStore, type StackFrame } from '../src/index.js';
import { temporaryDirectory } from './helpers.js';

let tmp: ReturnType<typeof temporaryDirectory>;
let reader: SpanReader | undefined;
beforeEach(() => {
  tmp = temporaryDirectory();
});
afterEach(() => {
  reader?.close();
  reader = undefined;
  tmp.cleanup();
});

const T0 = 1_760_000_000_000;
let seq = 0;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

function spanOf(fields: Pick<SpanRecord, 'name' | 'traceId'> & Partial<SpanRecord>): SpanRecord {
  seq++;
  return {
    spanId: hex(seq, 16),
    startTime: T0,
    duration: 1,
    status: 'ok',
    attributes: {},
    runId: 'svc',
    pid: 7,
    threadId: 0,
    weight: 1,
    ...fields,
  };
}

/**
 * A request at `at` ms with `weight`: two overlapping queries, a render; stored children first
 * (as the profiler writes them, on end) unless `rootFirst`.
 */
function request(
  at: number,
  weight: number,
  rootFirst = false,
  name = 'GET /orders',
): SpanRecord[] {
  const traceId = hex(++seq, 32);
  const root = spanOf({ name, traceId, startTime: T0 + at, duration: 20, weight });
  const children = [
    spanOf({
      name: 'db.query',
      traceId,
      parentSpanId: root.spanId,
      startTime: T0 + at + 2,
      duration: 8,
      weight,
    }),
    spanOf({
      name: 'db.query',
      traceId,
      parentSpanId: root.spanId,
      startTime: T0 + at + 4,
      duration: 8,
      weight,
    }),
    spanOf({
      name: 'render',
      traceId,
      parentSpanId: root.spanId,
      startTime: T0 + at + 15,
      duration: 2,
      weight,
      status: 'error',
    }),
  ];
  return rootFirst ? [root, ...children] : [...children, root];
}

function count(name: string, calls: number, recorded: number, second: number): CountRecord {
  return {
    name,
    calls,
    recorded,
    dropped: calls - recorded,
    intervalStart: T0 + second * 1000,
    intervalEnd: T0 + (second + 1) * 1000,
    runId: 'svc',
  };
}

async function write(spans: SpanRecord[], counts: CountRecord[]): Promise<SpanReader> {
  const path = join(tmp.dir, 'ferret.db');
  const errors: unknown[] = [];
  const store = new SqliteSpanStore({ path, worker: false, onError: (e) => errors.push(e) });
  store.write(spans);
  store.writeCounts(counts);
  await store.close();
  expect(errors).toEqual([]);
  reader = openSpanReader(path);
  return reader;
}

function frame(root: StackFrame, ...path: string[]): StackFrame | undefined {
  let current: StackFrame | undefined = root;
  for (const name of path) current = current?.children.find((c) => c.name === name);
  return current;
}

describe('SpanReader.profile()', () => {
  it("describes the run as runs() does; without count records, its root calls are the roots' Σ weight", async () => {
    const r = await write([...request(0, 2), ...request(100, 3, true), ...request(200, 1)], []);
    const { run } = r.profile();
    expect(run).toEqual(r.runs()[0]);
    expect(run).toMatchObject({ rootCalls: 6, calls: 6, callsExact: false, spanCount: 12 });
  });

  it('has the same summary rows as summary(), weights scaled by the count records, in any storage order', async () => {
    // GET /orders: 30 calls, 6 stored at weights that lag the traffic (Σ weight 12 ≠ 30), so the
    // children's estimates are scaled by 30/12. Some traces are stored root first.
    const spans = [
      ...request(0, 1),
      ...request(100, 1, true),
      ...request(1100, 2),
      ...request(1200, 2, true),
      ...request(2100, 3),
      ...request(2200, 3),
      ...request(2300, 1, false, 'GET /users/:id'),
    ];
    const r = await write(spans, [
      count('GET /orders', 5, 2, 0),
      count('GET /orders', 10, 2, 1),
      count('GET /orders', 15, 2, 2),
      count('GET /users/:id', 1, 1, 2),
    ]);
    const profile = r.profile();
    expect(profile.summary).toEqual(r.summary());
    expect(profile.run.runId).toBe('svc');
    expect(profile.run).toEqual(r.runs()[0]);
    expect(profile.omitted).toEqual({
      spansInOtherFrames: 0,
      detachedSpans: 0,
      namesWithoutHistogram: 0,
    });

    const orders = frame(profile.stacks, 'GET /orders')!;
    expect(orders.recorded).toBe(6);
    // Σ weight 12 scaled by 30/12: the exact calls, as the summary row says.
    expect(orders.calls).toBeCloseTo(30, 9);
    // 20 ms each at weights 1,1,2,2,3,3; self: 20 − (2..12 ∪ 15..17 = 12) = 8 ms, except in the
    // two traces stored root first (weights 1 and 2): children stored after their parent join
    // its stack but do not reduce its self time, so those count 20 ms. All scaled by 30/12.
    expect(orders.totalMs).toBeCloseTo(240 * 2.5, 9);
    expect(orders.selfMs).toBeCloseTo((8 * (1 + 2 + 3 + 3) + 20 * (1 + 2)) * 2.5, 9);
    // Per name, the frames add up to the summary's calls.
    const framesCalls = new Map<string, number>();
    const pending = [...profile.stacks.children];
    while (pending.length > 0) {
      const f = pending.pop()!;
      framesCalls.set(f.name, (framesCalls.get(f.name) ?? 0) + f.calls);
      pending.push(...f.children);
    }
    for (const row of profile.summary) {
      expect(Math.round(framesCalls.get(row.name)!), row.name).toBe(row.calls);
    }
    expect(frame(profile.stacks, 'GET /orders', 'db.query')!.recorded).toBe(12);
    expect(frame(profile.stacks, 'GET /orders', 'render')!.errors).toBe(6);
    expect(frame(profile.stacks, 'GET /users/:id', 'db.query')!.recorded).toBe(2);

    const { timeline } = profile;
    expect(timeline.bucketMs).toBe(1000);
    expect(timeline.hasCounts).toBe(true);
    expect(timeline.buckets.map((b) => b.calls)).toEqual([5, 10, 16]);
    expect(timeline.buckets.map((b) => b.dropped)).toEqual([3, 8, 13]);
    expect(timeline.buckets.map((b) => b.stored)).toEqual([8, 8, 12]);

    expect(profile.latency.map((h) => h.name)).toEqual(profile.summary.map((s) => s.name));
    const slowest = profile.slowestTraces[0]!;
    expect(slowest.spans.map((s) => s.name)).toEqual([
      'GET /orders',
      'db.query',
      'db.query',
      'render',
    ]);
    expect(slowest.spans[3]).toMatchObject({
      offsetMs: 15,
      durationMs: 2,
      depth: 1,
      status: 'error',
    });
  });

  it('bounds what it keeps with limits, and reports what it merged', async () => {
    const spans: SpanRecord[] = [];
    for (let i = 0; i < 20; i++)
      spans.push(spanOf({ name: `name-${i}`, traceId: hex(++seq, 32), startTime: T0 + i }));
    const r = await write(spans, []);
    const profile = r.profile({ limits: { stackFrames: 6, slowestTraces: 2, histogramNames: 3 } });
    expect(profile.stacks.children).toHaveLength(6);
    expect(frame(profile.stacks, '(other)')!.recorded).toBe(15);
    expect(profile.omitted.spansInOtherFrames).toBe(15);
    expect(profile.slowestTraces).toHaveLength(2);
    expect(profile.latency).toHaveLength(3);
    expect(profile.omitted.namesWithoutHistogram).toBe(17);
    expect(profile.timeline.hasCounts).toBe(false);
  });

  it('rejects bad limits and unknown runs with the reader errors', async () => {
    const r = await write(request(0, 1), []);
    expect(() => r.profile({ limits: { stackFrames: 0 } })).toThrow(RangeError);
    expect(() => r.profile({ limits: { frames: 3 } as never })).toThrow(
      /Unknown profile limit `frames`/,
    );
    expect(() => r.profile({ runId: 'nope' })).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_RUN' }),
    );
  });
});

describe('SpanReader.recent()', () => {
  it('reads the window only: per-second counts and stored spans, names by calls with p95', async () => {
    const spans = [
      // Outside the window (second 0): never read into the statistics.
      ...request(0, 1),
      ...request(10_100, 1),
      ...request(10_200, 1),
      ...request(11_100, 1, false, 'GET /users/:id'),
    ];
    const r = await write(spans, [
      count('GET /orders', 100, 1, 0),
      count('GET /orders', 40, 2, 10),
      count('GET /users/:id', 7, 1, 11),
    ]);
    const activity = r.recent({ windowEnd: T0 + 12_000, windowMs: 2_000 });
    expect(activity.runId).toBe('svc');
    expect(
      activity.seconds.map((s) => [s.startTime - T0, s.calls, s.recorded, s.dropped, s.stored]),
    ).toEqual([
      [10_000, 40, 2, 38, 8],
      [11_000, 7, 1, 6, 4],
    ]);
    expect(activity.hasCounts).toBe(true);
    expect(activity.truncated).toBe(false);
    const names = Object.fromEntries(activity.names.map((n) => [n.name, n]));
    // 40 GET /orders calls in the window for 2 stored roots of weight 1 (factor 20), 2 db.query
    // and 1 render each; 7 GET /users/:id calls for 1 root (factor 7), the same children:
    // db.query 2 × 2 × 20 + 2 × 7, render 2 × 20 + 7.
    expect(activity.names.map((n) => n.name)).toEqual([
      'db.query',
      'render',
      'GET /orders',
      'GET /users/:id',
    ]);
    expect(names['GET /orders']).toMatchObject({
      calls: 40,
      callsExact: true,
      recorded: 2,
      p95Ms: 20,
    });
    expect(names['db.query']).toMatchObject({
      calls: 94,
      callsExact: false,
      recorded: 6,
      p95Ms: 8,
    });
    expect(names.render).toMatchObject({ calls: 47, errors: 3 });
  });

  it("renamed roots (ferret.sampled_name) take their sampled name's calls; no line for it", async () => {
    // 12 GET calls in second 10, 4 recorded at weight 3, stored under their routes.
    const routed = (at: number, route: string) =>
      request(at, 3, false, route).map((span) =>
        span.parentSpanId === undefined
          ? { ...span, attributes: { 'ferret.sampled_name': 'GET' } }
          : span,
      );
    const spans = [
      ...routed(10_100, 'GET /a'),
      ...routed(10_200, 'GET /a'),
      ...routed(10_300, 'GET /a'),
      ...routed(10_400, 'GET /b'),
    ];
    const r = await write(spans, [count('GET', 12, 4, 10)]);
    const activity = r.recent({ windowEnd: T0 + 11_000, windowMs: 1_000 });
    const names = Object.fromEntries(activity.names.map((n) => [n.name, n]));
    expect(names.GET).toBeUndefined();
    expect(names['GET /a']).toMatchObject({ calls: 9, callsExact: false, recorded: 3 });
    expect(names['GET /b']).toMatchObject({ calls: 3, callsExact: false, recorded: 1 });
  });

  it('validates the window and says when the database holds no run', async () => {
    const r = await write(request(0, 1), []);
    expect(() => r.recent({ windowMs: 10 })).toThrow(/windowMs/);
    expect(() => r.recent({ windowEnd: Number.NaN })).toThrow(/windowEnd/);
    const empty = join(tmp.dir, 'empty.db');
    await new SqliteSpanStore({ path: empty, worker: false }).close();
    const emptyReader = openSpanReader(empty);
    try {
      expect(() => emptyReader.recent()).toThrow(expect.objectContaining({ code: 'NO_RUNS' }));
    } finally {
      emptyReader.close();
    }
  });
});
