import { describe, expect, it } from 'vitest';
import { InMemorySink } from '../src/InMemorySink.js';
import { Profiler } from '../src/Profiler.js';
import type { ProfilerError } from '../src/ProfilerError.js';
import type { SpanRecord } from '../src/SpanRecord.js';
import type { SpanSink } from '../src/SpanSink.js';
import { TeeSink } from '../src/TeeSink.js';

function spansOf(n: number): SpanRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    traceId: 'a'.repeat(32),
    spanId: i.toString(16).padStart(16, '0'),
    name: 'work',
    startTime: 0,
    duration: 1,
    status: 'ok',
    attributes: {},
    runId: 'run',
    pid: 1,
    threadId: 0,
    weight: 1,
  }));
}

function run(sink: SpanSink, calls: number): Profiler {
  const profiler = new Profiler({
    maxSpansPerSecond: Number.POSITIVE_INFINITY,
    sink,
    flushOnExit: false,
    onError: () => {},
  });
  for (let i = 0; i < calls; i++) profiler.measure('work', () => i);
  return profiler;
}

describe('TeeSink', () => {
  it('hands every batch and the counts to every branch', async () => {
    const a = new InMemorySink();
    const b = new InMemorySink();
    const tee = new TeeSink([a, b]);
    const profiler = run(tee, 25);
    await profiler.close();
    expect(a.spans).toHaveLength(25);
    expect(b.spans).toHaveLength(25);
    expect(a.counts.reduce((n, c) => n + c.calls, 0)).toBe(25);
    expect(b.counts.reduce((n, c) => n + c.calls, 0)).toBe(25);
    expect(a.closed && b.closed).toBe(true);
    expect(tee.stats().branches.map((s) => s.writtenSpans)).toEqual([25, 25]);
  });

  it('a throwing, a rejecting and a hanging branch each lose only their own copy', async () => {
    const healthy = new InMemorySink();
    const throwing: SpanSink = {
      write() {
        throw new Error('disk on fire');
      },
    };
    const rejecting: SpanSink = { write: () => Promise.reject(new Error('network down')) };
    const hanging: SpanSink = { write: () => new Promise<void>(() => {}) };
    const errors: [ProfilerError, number][] = [];
    const tee = new TeeSink([healthy, throwing, rejecting, hanging], {
      branchTimeoutMs: 50,
      maxPendingPerBranch: 1,
      onError: (error, branch) => errors.push([error, branch]),
    });
    const profiler = run(tee, 10);
    await profiler.flush(); // the first batch: the hanging branch times out and stays pending
    for (let i = 0; i < 5; i++) profiler.measure('more', () => i);
    await profiler.close();
    expect(healthy.spans).toHaveLength(15);
    expect(profiler.stats()).toMatchObject({ exportedSpans: 15, droppedBySink: 0 });
    const [ok, thrown, rejected, hung] = tee.stats().branches;
    expect(ok).toMatchObject({ writtenSpans: 15, errors: 0 });
    expect(thrown).toMatchObject({ writtenSpans: 0, failedSpans: 15, errors: 2 });
    expect(rejected).toMatchObject({ writtenSpans: 0, failedSpans: 15, errors: 2 });
    // The hanging branch: the first batch timed out, the second found it busy and was skipped.
    expect(hung).toMatchObject({ writtenSpans: 0, timedOutSpans: 10, skippedSpans: 5, errors: 2 });
    expect(errors.map(([e, b]) => `${b}:${e.code}`).sort()).toEqual(
      [
        '1:SINK_WRITE',
        '1:SINK_WRITE',
        '2:SINK_WRITE',
        '2:SINK_WRITE',
        '3:SINK_TIMEOUT',
        '3:SINK_WRITE',
      ].sort(),
    );
  });

  it("sums its branches' stored and lost spans, counting copies, into Profiler.stats()", async () => {
    const store = new InMemorySink({ maxSpans: 12 }); // keeps 12, loses the rest
    const other = new InMemorySink();
    const rejecting: SpanSink = {
      write: () => Promise.reject(new Error('network down')),
      stats: () => ({ storedSpans: 0, lostSpans: 0 }),
    };
    const tee = new TeeSink([store, other, rejecting], { onError: () => {} });
    const profiler = run(tee, 20);
    await profiler.close();
    const stats = tee.stats();
    expect(stats.branches.map((b) => [b.storedSpans, b.lostSpans])).toEqual([
      [12, 8],
      [20, 0],
      [0, 0],
    ]);
    expect(stats.branches[2]).toMatchObject({ failedSpans: 20 });
    // 3 copies of each of 20 spans: 12 + 20 stored; 8 lost by the first, 20 by the third.
    expect(stats).toMatchObject({ storedSpans: 32, lostSpans: 28 });
    expect(profiler.stats()).toMatchObject({ exportedSpans: 20, storedSpans: 32, lostSpans: 28 });
  });

  it('counts a timed-out write that fails later as lost, and one still pending as neither', async () => {
    let rejectLate: (error: Error) => void = () => {};
    const late: SpanSink = {
      write: () =>
        new Promise<void>((_resolve, reject) => {
          rejectLate = reject;
        }),
      stats: () => ({ storedSpans: 0, lostSpans: 0 }),
    };
    const tee = new TeeSink([new InMemorySink(), late], { branchTimeoutMs: 20, onError: () => {} });
    await tee.write(spansOf(5));
    expect(tee.stats()).toMatchObject({ storedSpans: 5, lostSpans: 0 });
    expect(tee.stats().branches[1]).toMatchObject({ timedOutSpans: 5, lateFailedSpans: 0 });
    rejectLate(new Error('gave up'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(tee.stats()).toMatchObject({ storedSpans: 5, lostSpans: 5 });
    expect(tee.stats().branches[1]).toMatchObject({ lateFailedSpans: 5 });
  });

  it('reports no sum when a branch reports no figures or its stats() throws', async () => {
    const silent: SpanSink = { write() {} };
    const broken: SpanSink = {
      write() {},
      stats() {
        throw new Error('no stats');
      },
    };
    for (const branch of [silent, broken]) {
      const tee = new TeeSink([new InMemorySink(), branch]);
      await tee.write(spansOf(3));
      const stats = tee.stats();
      expect(stats.storedSpans).toBeUndefined();
      expect(stats.lostSpans).toBeUndefined();
      expect(stats.branches[0]).toMatchObject({ storedSpans: 3, lostSpans: 0 });
      const profiler = run(tee, 1);
      await profiler.close();
      expect(profiler.stats().storedSpans).toBeUndefined();
    }
  });

  it('flushSync() reaches every branch even when one throws', () => {
    const reached: number[] = [];
    const tee = new TeeSink(
      [
        { write() {}, flushSync: () => reached.push(0) },
        {
          write() {},
          flushSync() {
            throw new Error('no');
          },
        },
        { write() {}, flushSync: () => reached.push(2) },
      ],
      { onError: () => {} },
    );
    tee.flushSync();
    expect(reached).toEqual([0, 2]);
    expect(tee.stats().branches[1]!.errors).toBe(1);
  });

  it('validates its arguments', () => {
    expect(() => new TeeSink([])).toThrow(TypeError);
    expect(() => new TeeSink([{} as SpanSink])).toThrow(/sinks\[0\]/);
    expect(() => new TeeSink([new InMemorySink()], { branchTimeoutMs: Number.NaN })).toThrow(
      RangeError,
    );
    expect(() => new TeeSink([new InMemorySink()], { branchTimeoutMs: 2 ** 31 })).toThrow(
      /`branchTimeoutMs` to be at most 2147483647 ms/,
    );
    expect(() => new TeeSink([new InMemorySink()], { maxPendingPerBranch: 0 })).toThrow(
      /maxPendingPerBranch/,
    );
    expect(String(new TeeSink([new InMemorySink()]))).toMatch(/^TeeSink\{branches=\[InMemorySink/);
  });
});

describe('toString', () => {
  it('TeeSink shows its branches and limits', () => {
    const tee = new TeeSink([new InMemorySink({ maxSpans: 5 }), new InMemorySink()], {
      branchTimeoutMs: 200,
      maxPendingPerBranch: 3,
    });
    expect(String(tee)).toBe(
      'TeeSink{branches=[InMemorySink{spans=0, counts=0, maxSpans=5}, InMemorySink{spans=0, counts=0, maxSpans=100000}], branchTimeoutMs=200, maxPendingPerBranch=3}',
    );
  });
});
