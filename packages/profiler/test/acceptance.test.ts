import { afterEach, describe, expect, it } from 'vitest';
import { InMemorySink } from '../src/InMemorySink.js';
import { NOOP_SPAN, NoOpSpan } from '../src/NoOpSpan.js';
import { Profiler } from '../src/Profiler.js';
import { Span } from '../src/Span.js';
import { ManualClock } from './helpers/ManualClock.js';

const open: Profiler[] = [];
function profilerWith(options: ConstructorParameters<typeof Profiler>[0]): Profiler {
  const profiler = new Profiler({ flushOnExit: false, ...options });
  open.push(profiler);
  return profiler;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

describe('the original acceptance: a budget of 10 spans/s', () => {
  it('records about 100 traces in 10 s of 100 calls/s, then every call again once traffic falls', async () => {
    const clock = new ManualClock();
    const sink = new InMemorySink();
    const profiler = profilerWith({ maxSpansPerSecond: 10, sink, clock: clock.read });

    let recorded = 0;
    for (let i = 0; i < 1000; i++) {
      profiler.measure('handler', (span) => {
        if (span.isRecording) recorded++;
      });
      clock.advance(10); // 100 calls per simulated second
    }
    // 10 s × 10/s = 100, plus at most the burst (10) that the full bucket starts with.
    expect(recorded).toBeGreaterThanOrEqual(100);
    expect(recorded).toBeLessThanOrEqual(110);

    // Traffic below the budget: 5 calls/s for 4 s, every one recorded, from the first one on.
    const quiet: boolean[] = [];
    for (let i = 0; i < 20; i++) {
      clock.advance(200);
      profiler.measure('handler', (span) => quiet.push(span.isRecording));
    }
    expect(quiet).toEqual(Array(20).fill(true));

    await profiler.flush();
    expect(sink.spans).toHaveLength(recorded + 20);
    const stats = profiler.stats();
    expect(stats.calls).toBe(1020);
    expect(stats.recordedRoots).toBe(recorded + 20);
    expect(stats.droppedBySampling).toBe(1020 - recorded - 20);
  });

  it('hands out the shared NoOpSpan when the budget is spent; its methods run silently', () => {
    const clock = new ManualClock();
    const profiler = profilerWith({ maxSpansPerSecond: 1, burst: 1, clock: clock.read });
    expect(profiler.start('first')).toBeInstanceOf(Span);
    const dropped = profiler.start('second', { a: 1 });
    expect(dropped).toBe(NOOP_SPAN);
    expect(dropped).toBeInstanceOf(NoOpSpan);
    expect(dropped.isRecording).toBe(false);
    expect(() => {
      dropped.annotate({ key: 'value' }).recordError(new Error('x'));
      dropped.end('error');
      dropped.end();
      dropped[Symbol.dispose]();
    }).not.toThrow();
    expect(dropped.spanId).toBe('0000000000000000');
    expect(dropped.traceId).toBe('0'.repeat(32));
    expect(dropped.ended).toBe(false);
    expect(dropped.parentSpanId).toBeUndefined();
    const value = profiler.measure('third', (span) => {
      span.annotate({ ignored: true });
      span.end();
      return 42;
    });
    expect(value).toBe(42);
  });

  it('records everything with Infinity, nothing with 0 (while still counting calls)', async () => {
    const all = profilerWith({
      maxSpansPerSecond: Number.POSITIVE_INFINITY,
      sink: new InMemorySink(),
      maxQueueSize: 20_000,
    });
    for (let i = 0; i < 5000; i++) all.measure('x', () => all.measure('y', () => 0));
    expect(all.stats().recordedSpans).toBe(10_000);

    const none = profilerWith({ maxSpansPerSecond: 0 });
    let recording = 0;
    for (let i = 0; i < 100; i++) none.measure('x', (s) => (recording += s.isRecording ? 1 : 0));
    expect(recording).toBe(0);
    expect(none.stats()).toMatchObject({ calls: 100, recordedRoots: 0, droppedBySampling: 100 });
  });

  it('enabled: false is a pure pass-through: no context, no counting', async () => {
    const sink = new InMemorySink();
    const profiler = profilerWith({ enabled: false, sink });
    const result = profiler.measure('x', (span) => {
      expect(span).toBe(NOOP_SPAN);
      expect(profiler.currentSpan()).toBe(NOOP_SPAN);
      return 'value';
    });
    expect(result).toBe('value');
    expect(profiler.start('y')).toBe(NOOP_SPAN);
    expect(profiler.enabled).toBe(false);
    await profiler.flush();
    expect(sink.spans).toHaveLength(0);
    expect(profiler.stats().calls).toBe(0);
  });

  it('returns the same promise it was given, and ends the span when it settles', async () => {
    const clock = new ManualClock();
    const sink = new InMemorySink();
    const profiler = profilerWith({ maxSpansPerSecond: 100, sink, clock: clock.read });
    let release!: (v: string) => void;
    const promise = new Promise<string>((resolve) => {
      release = resolve;
    });
    const returned = profiler.measure('wait', () => promise);
    expect(returned).toBe(promise);
    clock.advance(25);
    release('done');
    await expect(returned).resolves.toBe('done');
    await profiler.flush();
    expect(sink.spans).toHaveLength(1);
    expect(sink.spans[0]).toMatchObject({ name: 'wait', status: 'ok', duration: 25 });
  });
});
