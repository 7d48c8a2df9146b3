import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { BasicTracerProvider, type Span } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { startOnPerformanceClock } from '../src/performanceClockStart.js';
import { StoreSpanProcessor } from '../src/StoreSpanProcessor.js';

const performanceEpochMs = (): number => performance.timeOrigin + performance.now();

describe('library spans start on the performance clock', () => {
  let processor: StoreSpanProcessor | undefined;
  afterEach(async () => {
    await processor?.shutdown().catch(() => {});
    processor = undefined;
  });

  function tracer() {
    const exporter = { export: () => {}, forceFlush: async () => {}, shutdown: async () => {} };
    processor = new StoreSpanProcessor(exporter as never, { flushIntervalMs: 60_000 });
    return new BasicTracerProvider({ spanProcessors: [processor] }).getTracer('test');
  }

  it('a span started by the SDK starts between the performance-clock readings around it', () => {
    const t = tracer();
    for (let i = 0; i < 20; i++) {
      const before = performanceEpochMs();
      const span = t.startSpan('library span') as unknown as Span;
      const after = performanceEpochMs();
      const start = hrTimeToMilliseconds(span.startTime);
      // sdk-trace alone starts at Date.now(), a whole millisecond up to 1 ms before `before`.
      expect(start).toBeGreaterThanOrEqual(before - 0.001);
      expect(start).toBeLessThanOrEqual(after + 0.001);
      span.end();
    }
  });

  it('the end moves with the start: the duration the SDK measured is kept', () => {
    const t = tracer();
    const span = t.startSpan('library span') as unknown as Span;
    const start = hrTimeToMilliseconds(span.startTime);
    while (performanceEpochMs() - start < 3);
    const before = performanceEpochMs();
    span.end();
    const after = performanceEpochMs();
    const end = hrTimeToMilliseconds(span.endTime);
    expect(end).toBeGreaterThanOrEqual(before - 0.001);
    expect(end).toBeLessThanOrEqual(after + 0.001);
    expect(hrTimeToMilliseconds(span.duration)).toBeCloseTo(end - start, 3);
  });

  it('a span given an explicit startTime keeps it', () => {
    const t = tracer();
    const span = t.startSpan('replayed', { startTime: 1_700_000_000_123 }) as unknown as Span;
    expect(hrTimeToMilliseconds(span.startTime)).toBe(1_700_000_000_123);
    span.end();
  });

  it('an object without the SDK fields is left as it is', () => {
    const foreign = { startTime: [5, 7] as [number, number] };
    startOnPerformanceClock(foreign as never);
    expect(foreign.startTime).toEqual([5, 7]);
  });
});
