import { describe, expect, it } from 'vitest';
import { Profiler } from '../src/Profiler.js';
import type { ProfilerError } from '../src/ProfilerError.js';
import type { SpanSink } from '../src/SpanSink.js';

describe('close() giving up on the sink', () => {
  it('counts the spans of the unsettled write() as dropped, says so, and ignores its late end', async () => {
    const errors: ProfilerError[] = [];
    const pending: (() => void)[] = [];
    const sink: SpanSink = {
      write() {
        return new Promise<void>((resolve) => pending.push(resolve));
      },
    };
    const profiler = new Profiler({
      sink,
      sinkTimeoutMs: 50,
      maxQueueSize: 8,
      maxBatchSize: 4,
      maxSpansPerSecond: Number.POSITIVE_INFINITY,
      onError: (e) => errors.push(e),
      flushOnExit: false,
    });
    for (let i = 0; i < 8; i++) profiler.measure('op', () => i);
    // The first batch of 4 is in write() when close() stops waiting; 4 are still queued.
    await profiler.close();
    const closed = errors.find((e) => e.code === 'CLOSE_TIMEOUT');
    expect(closed?.message).toBe(
      'close() stopped waiting for the sink after 50 ms; dropped 4 queued spans, and 4 spans of a sink write() that has not settled',
    );
    const stats = profiler.stats();
    expect(stats.recordedSpans).toBe(8);
    expect(stats.exportedSpans).toBe(0);
    expect(stats.droppedBySink).toBe(8);
    expect(stats.queued).toBe(0);
    // The write settling late changes nothing: the spans are not counted twice.
    for (const resolve of pending) resolve();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(profiler.stats().exportedSpans).toBe(0);
    expect(profiler.stats().droppedBySink).toBe(8);
    expect(errors.filter((e) => e.code === 'SINK_TIMEOUT')).toHaveLength(0);
  });
});
