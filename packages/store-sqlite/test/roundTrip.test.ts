import { join } from 'node:path';
import type { SpanRecord } from '@ferret/profiler';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSpanReader, SqliteSpanStore } from '../src/index.js';
import { span, temporaryDirectory } from './helpers.js';

let tmp: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  tmp = temporaryDirectory();
});
afterEach(() => tmp.cleanup());

const epoch = 1_731_234_567_890.1235;

function richSpans(): SpanRecord[] {
  const root: SpanRecord = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    name: 'GET /café/日本語/🦊',
    startTime: epoch,
    duration: 12.345678,
    status: 'error',
    attributes: {
      'http.method': 'GET',
      'http.status_code': 503,
      ratio: 0.125,
      negative: -17,
      big: Number.MAX_SAFE_INTEGER,
      ok: false,
      yes: true,
      empty: '',
      tags: ['a', 'ß', '😀'],
      codes: [1, 2.5, -3],
      flags: [true, false],
      none: [],
      'error.message': 'boom\nline two',
      'ünïcödé key': 'value with "quotes" and \\ backslash',
    },
    runId: 'run-ü-1',
    pid: 31337,
    threadId: 3,
    weight: 4.5,
    truncatedChildren: 7,
  };
  const child: SpanRecord = {
    traceId: root.traceId,
    spanId: '00f067aa0ba902b7',
    parentSpanId: root.spanId,
    name: 'db.query',
    startTime: epoch + 0.001, // one microsecond later
    duration: 0.000999,
    status: 'ok',
    attributes: { 'db.statement': 'SELECT 1' },
    runId: 'run-ü-1',
    pid: 31337,
    threadId: 3,
    weight: 4.5,
  };
  const otelLike: SpanRecord = {
    traceId: root.traceId,
    spanId: '1111111111111111',
    parentSpanId: child.spanId,
    name: 'client call',
    startTime: epoch + 0.5,
    duration: 1.5,
    status: 'ok',
    attributes: {},
    runId: 'run-ü-1',
    pid: 31337,
    threadId: 3,
    weight: 1,
    kind: 'client',
    serviceName: 'checkout',
    events: [
      { name: 'retry', time: epoch + 0.75, attributes: { attempt: 2 } },
      { name: 'done', time: epoch + 2 },
    ],
  };
  return [root, child, otelLike];
}

describe.each([
  ['a worker thread', true],
  ['the calling thread', false],
])('round trip through %s', (_label, worker) => {
  it('returns every field written, times to the microsecond', async () => {
    const path = join(tmp.dir, 'trip.db');
    const errors: unknown[] = [];
    const store = new SqliteSpanStore({ path, worker, onError: (e) => errors.push(e) });
    const written = richSpans();
    store.write(written);
    await store.close();
    expect(errors).toEqual([]);
    expect(store.stats()).toMatchObject({
      spansWritten: 3,
      dropped: 0,
      rejected: 0,
      pendingSpans: 0,
    });

    const reader = openSpanReader(path);
    const read = [...reader.spans()];
    reader.close();
    expect(read).toEqual(written);
    // Stored as 8-byte doubles, so exact: sub-microsecond parts survive.
    for (let i = 0; i < written.length; i++) {
      expect(read[i]!.startTime).toBe(written[i]!.startTime);
      expect(read[i]!.duration).toBe(written[i]!.duration);
    }
    expect(read[1]!.duration * 1000).toBeCloseTo(0.999, 9);
    expect(read[0]!.attributes.big).toBe(Number.MAX_SAFE_INTEGER);
    expect(Object.hasOwn(read[1]!, 'truncatedChildren')).toBe(false);
  });
});

describe('reader', () => {
  async function storeWith(
    path: string,
    spans: SpanRecord[],
    counts: Parameters<SqliteSpanStore['writeCounts']>[0] = [],
  ) {
    const store = new SqliteSpanStore({ path, worker: false });
    store.write(spans);
    store.writeCounts(counts);
    await store.close();
    return openSpanReader(path);
  }

  it('lists runs by first start, defaults to the latest and counts root calls', async () => {
    const path = join(tmp.dir, 'runs.db');
    const reader = await storeWith(
      path,
      [
        span({ runId: 'late', startTime: 2000, duration: 5 }),
        span({ runId: 'early', startTime: 1000, duration: 1 }),
        span({ runId: 'early', startTime: 1010, duration: 30 }),
      ],
      [
        {
          name: 'work',
          calls: 10,
          recorded: 2,
          dropped: 8,
          intervalStart: 990,
          intervalEnd: 1100,
          runId: 'early',
        },
      ],
    );
    expect(reader.runs()).toEqual([
      {
        runId: 'early',
        firstStartTime: 1000,
        lastEndTime: 1040,
        spanCount: 2,
        rootCalls: 10,
        calls: 10,
        callsExact: true,
        recordedTraces: 2,
        missingTraces: 0,
      },
      // No count records: one stored root of weight 1, an estimate.
      {
        runId: 'late',
        firstStartTime: 2000,
        lastEndTime: 2005,
        spanCount: 1,
        rootCalls: 1,
        calls: 1,
        callsExact: false,
        recordedTraces: 0,
        missingTraces: 0,
      },
    ]);
    expect(reader.latestRunId()).toBe('late');
    expect(reader.summary().map((s) => [s.name, s.recorded])).toEqual([['work', 1]]);
    const early = reader.summary({ runId: 'early' });
    expect(early).toHaveLength(1);
    expect(early[0]).toMatchObject({
      name: 'work',
      calls: 10,
      recorded: 2,
      dropped: 8,
      totalMs: 31,
    });
    reader.close();
  });

  it('summarises per name: exact stats, percentiles within 0.1 %, error rate, weighted total', async () => {
    const path = join(tmp.dir, 'summary.db');
    const spans: SpanRecord[] = [];
    for (let i = 1; i <= 1000; i++) {
      spans.push(
        span({ name: 'fast', duration: i / 100, status: i % 10 === 0 ? 'error' : 'ok', weight: 2 }),
      );
    }
    spans.push(span({ name: 'slow', duration: 6000 }));
    const reader = await storeWith(path, spans, [
      {
        name: 'fast',
        calls: 1500,
        recorded: 1000,
        dropped: 500,
        intervalStart: 0,
        intervalEnd: 1,
        runId: 'run-1',
      },
    ]);
    const [slow, fast] = reader.summary();
    expect(slow).toMatchObject({
      name: 'slow',
      calls: 1,
      recorded: 1,
      p50Ms: 6000,
      p99Ms: 6000,
      maxMs: 6000,
    });
    expect(fast!.name).toBe('fast');
    expect(fast!.calls).toBe(1500);
    expect(fast!.recorded).toBe(1000);
    expect(fast!.dropped).toBe(500);
    expect(fast!.totalMs).toBeCloseTo(5005, 6);
    expect(fast!.avgMs).toBeCloseTo(5.005, 9);
    expect(fast!.minMs).toBe(0.01);
    expect(fast!.maxMs).toBe(10);
    expect(Math.abs(fast!.p50Ms - 5) / 5).toBeLessThanOrEqual(0.001);
    expect(Math.abs(fast!.p95Ms - 9.5) / 9.5).toBeLessThanOrEqual(0.001);
    expect(Math.abs(fast!.p99Ms - 9.9) / 9.9).toBeLessThanOrEqual(0.001);
    expect(fast!.errors).toBe(100);
    expect(fast!.errorRate).toBe(0.1);
    // Σ duration × weight = 10010, scaled to the exact calls: 1500 calls ÷ Σ weight 2000.
    expect(fast!.estimatedTotalMs).toBeCloseTo(7507.5, 6);
    reader.close();
  });

  it('returns the slowest traces as whole trees, children by start time', async () => {
    const path = join(tmp.dir, 'traces.db');
    const spans: SpanRecord[] = [];
    const traceOf = (t: number) => t.toString(16).padStart(32, '0');
    for (let t = 1; t <= 20; t++) {
      const rootId = `${t.toString(16).padStart(2, '0')}00000000000000`;
      spans.push(
        span({ traceId: traceOf(t), spanId: rootId, name: 'req', startTime: t * 100, duration: t }),
      );
      // Children written in reverse start order; a grandchild under the second child.
      spans.push(
        span({
          traceId: traceOf(t),
          parentSpanId: rootId,
          name: 'b',
          startTime: t * 100 + 0.5,
          duration: 0.1,
          spanId: `${t.toString(16).padStart(2, '0')}0000000000000b`,
        }),
      );
      spans.push(
        span({
          traceId: traceOf(t),
          parentSpanId: rootId,
          name: 'a',
          startTime: t * 100 + 0.2,
          duration: 0.1,
          spanId: `${t.toString(16).padStart(2, '0')}0000000000000a`,
        }),
      );
      spans.push(
        span({
          traceId: traceOf(t),
          parentSpanId: `${t.toString(16).padStart(2, '0')}0000000000000b`,
          name: 'c',
          startTime: t * 100 + 0.6,
          duration: 0.01,
        }),
      );
    }
    const reader = await storeWith(path, spans);
    const slowest = reader.slowestTraces({ limit: 3 });
    expect(slowest.map((t) => t.durationMs)).toEqual([20, 19, 18]);
    const top = slowest[0]!;
    expect(top.traceId).toBe(traceOf(20));
    expect(top.spanCount).toBe(4);
    expect(top.root.span.name).toBe('req');
    expect(top.root.children.map((c) => c.span.name)).toEqual(['a', 'b']);
    expect(top.root.children[1]!.children.map((c) => c.span.name)).toEqual(['c']);
    expect(reader.slowestTraces()).toHaveLength(5);
    expect([...reader.spans({ traceId: traceOf(7) })].map((s) => s.name)).toEqual([
      'req',
      'a',
      'b',
      'c',
    ]);
    expect(() => reader.slowestTraces({ limit: 0 })).toThrow(/`limit`/);
    expect(() => reader.slowestTraces({ limit: 1.5 })).toThrow(RangeError);
    expect(() => reader.slowestTraces({ limit: 10_001 })).toThrow(RangeError);
    expect(() => reader.slowestTraces({ limit: '3' as never })).toThrow(TypeError);
    expect(() => reader.summary({ runId: '' })).toThrow(RangeError);
    expect(() => reader.summary({ runId: 7 as never })).toThrow(TypeError);
    expect(() => reader.summary(null as never)).toThrow(TypeError);
    expect(() => reader.spans({ traceId: 5 as never })).toThrow(TypeError);
    reader.close();
  });

  it('refuses unknown runs and empty databases with FerretStoreError codes, calls after close with TypeError', async () => {
    const path = join(tmp.dir, 'empty.db');
    const reader = await storeWith(path, []);
    expect(reader.runs()).toEqual([]);
    expect(reader.latestRunId()).toBeUndefined();
    expect(() => reader.summary()).toThrow(expect.objectContaining({ code: 'NO_RUNS' }));
    expect(() => reader.spans()).toThrow(expect.objectContaining({ code: 'NO_RUNS' }));
    reader.close();

    const full = await storeWith(join(tmp.dir, 'one.db'), [span({ runId: 'only' })]);
    expect(() => full.summary({ runId: 'nope' })).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_RUN', message: expect.stringContaining('"nope"') }),
    );
    expect(() => full.slowestTraces({ runId: 'nope' })).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_RUN' }),
    );
    full.close();
    expect(() => full.runs()).toThrow(TypeError);
    expect(() => full.runs()).toThrow(/closed/);
  });

  it('streams lazily: other queries work while an iterator is open', async () => {
    const path = join(tmp.dir, 'lazy.db');
    const reader = await storeWith(path, [span(), span(), span()]);
    const iterator = reader.spans();
    expect(iterator.next().done).toBe(false);
    expect(reader.summary()[0]!.recorded).toBe(3);
    expect([...iterator]).toHaveLength(2);
    reader.close();
  });
});
