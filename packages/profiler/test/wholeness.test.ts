import { afterEach, describe, expect, it } from 'vitest';
import { InMemorySink } from '../src/InMemorySink.js';
import { NOOP_SPAN } from '../src/NoOpSpan.js';
import { Profiler } from '../src/Profiler.js';
import type { SpanRecord } from '../src/SpanRecord.js';
import { CountingBucket } from './helpers/CountingBucket.js';
import { ManualClock } from './helpers/ManualClock.js';

const open: Profiler[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

function byId(spans: readonly SpanRecord[]): Map<string, SpanRecord> {
  return new Map(spans.map((s) => [s.spanId, s]));
}

describe('whole traces under overload', () => {
  it('records each admitted trace whole (5 async children via Promise.all) and no orphans', async () => {
    const clock = new ManualClock();
    const sink = new InMemorySink();
    const bucket = new CountingBucket({ ratePerSecond: 60, capacity: 60, clock: clock.read });
    const profiler = new Profiler({
      bucket,
      sink,
      clock: clock.read,
      flushOnExit: false,
      maxQueueSize: 100_000,
    });
    open.push(profiler);

    const handle = (i: number) =>
      profiler.measure('request', async () => {
        await Promise.all(
          [0, 1, 2, 3, 4].map((k) =>
            profiler.measure(`step${k}`, async (span) => {
              await Promise.resolve();
              span.annotate({ request: i });
              // A grandchild after a timer hop: still inside the trace.
              await new Promise((r) => setTimeout(r, 0));
              profiler.measure('leaf', () => undefined);
            }),
          ),
        );
      });

    // 200 requests per simulated second for 5 s, ten in flight at a time.
    for (let batch = 0; batch < 100; batch++) {
      const inFlight: Promise<void>[] = [];
      for (let j = 0; j < 10; j++) {
        inFlight.push(handle(batch * 10 + j));
        clock.advance(5);
      }
      await Promise.all(inFlight);
    }
    await profiler.flush();

    const spans = sink.spans;
    const ids = byId(spans);
    const roots = spans.filter((s) => s.parentSpanId === undefined);
    expect(roots.length).toBeGreaterThan(0);
    expect(roots.length).toBeLessThan(1000); // overload: most requests were dropped
    for (const span of spans) {
      if (span.parentSpanId === undefined) continue;
      const parent = ids.get(span.parentSpanId);
      expect(parent, `orphan ${span.name}`).toBeDefined();
      expect(parent!.traceId).toBe(span.traceId);
    }
    // Whole: every recorded root has its 5 steps and 5 leaves.
    const perTrace = new Map<string, number>();
    for (const s of spans) perTrace.set(s.traceId, (perTrace.get(s.traceId) ?? 0) + 1);
    for (const root of roots) expect(perTrace.get(root.traceId)).toBe(11);

    // Tokens: one tryTake grant per recorded root, one forced take per recorded child, nothing
    // for the children of dropped roots.
    expect(bucket.granted).toBe(roots.length);
    expect(bucket.forced).toBe(roots.length * 10);
    expect(profiler.stats().recordedSpans).toBe(spans.length);
    // The hard bound with traces in flight: rate × T + burst + in flight × spans per trace.
    expect(spans.length).toBeLessThanOrEqual(60 * (clock.now / 1000) + 60 + 10 * 11);
  });

  it('a dropped trace costs one clock read, at its root; its descendants read none', () => {
    const clock = new ManualClock();
    const profiler = new Profiler({
      maxSpansPerSecond: 1,
      burst: 1,
      clock: clock.read,
      flushOnExit: false,
    });
    open.push(profiler);
    profiler.measure('admitted', () => undefined); // spends the only token
    const before = clock.reads;
    profiler.measure('dropped', (root) => {
      expect(root).toBe(NOOP_SPAN);
      for (let i = 0; i < 5; i++) {
        profiler.measure('child', (child) => {
          expect(child).toBe(NOOP_SPAN);
          profiler.measure('grandchild', (g) => expect(g).toBe(NOOP_SPAN));
        });
      }
      expect(profiler.start('manual')).toBe(NOOP_SPAN);
    });
    expect(clock.reads - before).toBe(1);
  });

  it('caps a trace at maxSpansPerTrace and records the cut on the root', async () => {
    const sink = new InMemorySink();
    const profiler = new Profiler({ maxSpansPerTrace: 4, sink, flushOnExit: false });
    open.push(profiler);
    profiler.measure('root', () => {
      for (let i = 0; i < 5; i++) {
        profiler.measure('child', () => profiler.measure('grandchild', () => undefined));
      }
    });
    await profiler.flush();
    expect(sink.spans).toHaveLength(4);
    const root = sink.spans.find((s) => s.parentSpanId === undefined)!;
    expect(root.truncatedChildren).toBe(7); // 10 descendants, 3 recorded
    expect(profiler.stats().truncatedSpans).toBe(7);
    const ids = byId(sink.spans);
    for (const s of sink.spans) if (s.parentSpanId) expect(ids.has(s.parentSpanId)).toBe(true);
  });

  it('start() does not change the context; withSpan() makes a manual span the parent', async () => {
    const sink = new InMemorySink();
    const profiler = new Profiler({ sink, flushOnExit: false });
    open.push(profiler);
    const manual = profiler.start('manual');
    expect(profiler.currentSpan()).toBe(NOOP_SPAN);
    const sibling = profiler.start('also-root');
    profiler.withSpan(manual, () => profiler.measure('inside', () => undefined));
    sibling.end();
    manual.end();
    await profiler.flush();
    const ids = byId(sink.spans);
    const inside = sink.spans.find((s) => s.name === 'inside')!;
    expect(ids.get(inside.parentSpanId!)?.name).toBe('manual');
    expect(sink.spans.find((s) => s.name === 'also-root')!.parentSpanId).toBeUndefined();
    expect(() => profiler.withSpan({} as never, () => 1)).toThrow(TypeError);
  });
});
