import { afterEach, describe, expect, it } from 'vitest';
import { Profiler } from '../src/Profiler.js';
import type { ProfilerError } from '../src/ProfilerError.js';
import type { CountRecord } from '../src/SpanRecord.js';
import type { SpanSink } from '../src/SpanSink.js';

const open: Profiler[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

function profilerWith(options: ConstructorParameters<typeof Profiler>[0]): Profiler {
  const profiler = new Profiler({ flushOnExit: false, maxSpansPerSecond: Infinity, ...options });
  open.push(profiler);
  return profiler;
}

/** A sink that only counts: `write()` must never be called while `countSpans` exists. */
class CountOnlySink implements SpanSink {
  batches: number[] = [];
  writes = 0;
  counts: CountRecord[] = [];
  write(): void {
    this.writes++;
  }
  countSpans(count: number): void {
    this.batches.push(count);
  }
  writeCounts(counts: readonly CountRecord[]): void {
    this.counts.push(...counts);
  }
}

describe('a sink with countSpans() takes batch sizes instead of records', () => {
  it('gets every batch as a count, never write(); count records and stats still add up', async () => {
    const sink = new CountOnlySink();
    const profiler = profilerWith({ sink, maxBatchSize: 4 });
    for (let i = 0; i < 10; i++) profiler.measure('work', () => i);
    await profiler.flush();
    expect(sink.writes).toBe(0);
    expect(sink.batches).toEqual([4, 4, 2]);
    expect(sink.counts.reduce((n, c) => n + c.calls, 0)).toBe(10);
    expect(profiler.stats()).toMatchObject({ recordedSpans: 10, exportedSpans: 10, queued: 0 });
  });

  it('builds no records: a throwing attribute getter is never read', async () => {
    const sink = new CountOnlySink();
    const errors: ProfilerError[] = [];
    const profiler = profilerWith({ sink, onError: (e) => errors.push(e) });
    let reads = 0;
    const attributes = {
      get table(): string {
        reads++;
        throw new Error('getter read');
      },
    };
    await profiler.measure('db.query', async () => 1, attributes);
    await profiler.flush();
    expect(sink.batches).toEqual([1]);
    expect(reads).toBe(0);
    expect(profiler.stats().droppedAttributes).toBe(0);
    expect(errors).toEqual([]);
  });

  it('a countSpans() that throws drops its batch (droppedBySink, SINK_WRITE), also at exit', async () => {
    const errors: ProfilerError[] = [];
    const sink: SpanSink = {
      write() {},
      countSpans() {
        throw new Error('counter broke');
      },
    };
    const profiler = profilerWith({ sink, onError: (e) => errors.push(e), maxBatchSize: 2 });
    for (let i = 0; i < 3; i++) profiler.measure('work', () => i);
    await profiler.flush();
    for (let i = 0; i < 2; i++) profiler.measure('work', () => i);
    profiler.flushAtExit();
    expect(profiler.stats()).toMatchObject({ droppedBySink: 5, exportedSpans: 0, sinkErrors: 3 });
    expect(errors.map((e) => e.code)).toEqual(['SINK_WRITE', 'SINK_WRITE', 'SINK_WRITE']);
    expect(errors[0]!.message).toContain('countSpans()');
  });

  it('a countSpans getter that throws sends the batch to write() with its records', async () => {
    const written: string[] = [];
    const sink = {
      write(spans: readonly { name: string }[]) {
        for (const span of spans) written.push(span.name);
      },
      get countSpans(): () => void {
        throw new Error('getter broke');
      },
    } as SpanSink;
    const profiler = profilerWith({ sink });
    profiler.measure('a', () => 0);
    profiler.measure('b', () => 0);
    await profiler.flush();
    expect(written).toEqual(['a', 'b']);
    expect(profiler.stats().exportedSpans).toBe(2);
  });
});
