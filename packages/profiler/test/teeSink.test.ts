import { describe, expect, it } from 'vitest';
import { InMemorySink } from '../src/InMemorySink.js';
import { Profiler } from '../src/Profiler.js';
import type { ProfilerError } from '../src/ProfilerError.js';
import type { SpanSink } from '../src/SpanSink.js';
import { TeeSink } from '../src/TeeSink.js';

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
    expect(() => new TeeSink([new InMemorySink()], { maxPendingPerBranch: 0 })).toThrow(
      /maxPendingPerBranch/,
    );
    expect(String(new TeeSink([new InMemorySink()]))).toMatch(/^TeeSink\{branches=\[InMemorySink/);
  });
});
