import { EventEmitter, once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemorySink } from '../src/InMemorySink.js';
import { NOOP_SPAN } from '../src/NoOpSpan.js';
import { Profiler } from '../src/Profiler.js';
import type { SpanRecord } from '../src/SpanRecord.js';

const open: Profiler[] = [];
function make(): { profiler: Profiler; sink: InMemorySink } {
  const sink = new InMemorySink();
  const profiler = new Profiler({ sink, flushOnExit: false });
  open.push(profiler);
  return { profiler, sink };
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

function parentName(spans: readonly SpanRecord[], name: string): string | undefined {
  const span = spans.find((s) => s.name === name)!;
  return spans.find((s) => s.spanId === span.parentSpanId)?.name;
}

describe('context propagation (AsyncLocalStorage)', () => {
  it('parents across await, Promise.all, timers and event-emitter callbacks', async () => {
    const { profiler, sink } = make();
    const emitter = new EventEmitter();
    await profiler.measure('request', async () => {
      await new Promise((r) => setTimeout(r, 1));
      await profiler.measure('after-await', async () => undefined);
      await Promise.all([
        profiler.measure('fan-1', async () => undefined),
        profiler.measure('fan-2', async () => undefined),
      ]);
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          profiler.measure('in-timer', () => undefined);
          resolve();
        }, 1),
      );
      emitter.on('event', () => profiler.measure('in-listener', () => undefined));
      setImmediate(() => emitter.emit('event'));
      await once(emitter, 'event');
    });
    await profiler.flush();
    for (const name of ['after-await', 'fan-1', 'fan-2', 'in-timer', 'in-listener']) {
      expect(parentName(sink.spans, name), name).toBe('request');
    }
    expect(new Set(sink.spans.map((s) => s.traceId)).size).toBe(1);
  });

  it('keeps concurrent traces apart', async () => {
    const { profiler, sink } = make();
    await Promise.all(
      ['a', 'b', 'c'].map((id) =>
        profiler.measure(`root-${id}`, async () => {
          await new Promise((r) => setTimeout(r, 1));
          profiler.measure(`child-${id}`, () => undefined);
        }),
      ),
    );
    await profiler.flush();
    for (const id of ['a', 'b', 'c'])
      expect(parentName(sink.spans, `child-${id}`)).toBe(`root-${id}`);
  });

  it('currentSpan() is the active span; outside any span it is NOOP_SPAN', () => {
    const { profiler } = make();
    expect(profiler.currentSpan()).toBe(NOOP_SPAN);
    profiler.measure('x', (span) => {
      expect(profiler.currentSpan()).toBe(span);
    });
  });

  it('two profilers keep separate contexts', async () => {
    const one = make();
    const two = make();
    one.profiler.measure('one', () => two.profiler.measure('two', () => undefined));
    await two.profiler.flush();
    expect(two.sink.spans[0]!.parentSpanId).toBeUndefined();
  });
});

describe('wrap()', () => {
  it('measures each call, with a fixed, computed or inferred name, keeping `this`', async () => {
    const { profiler, sink } = make();
    const loadUser = profiler.wrap(
      (id: number) => `load ${id}`,
      async (id: number) => ({ id }),
    );
    const fixed = profiler.wrap('fixed', (a: number, b: number) => a + b);
    function namedFunction(this: { k: number }) {
      return this.k;
    }
    const inferred = profiler.wrap(namedFunction);
    await expect(loadUser(7)).resolves.toEqual({ id: 7 });
    expect(fixed(2, 3)).toBe(5);
    expect(inferred.call({ k: 9 })).toBe(9);
    await profiler.flush();
    expect(sink.spans.map((s) => s.name)).toEqual(['load 7', 'fixed', 'namedFunction']);
    expect(() => profiler.wrap('x', 5 as never)).toThrow(TypeError);
  });
});

describe('span records', () => {
  it('carry W3C ids, epoch start, monotonic duration, run id, pid and thread id', async () => {
    let t = 1000;
    const sink = new InMemorySink();
    const profiler = new Profiler({ sink, clock: () => t, runId: 'run-1', flushOnExit: false });
    open.push(profiler);
    const before = Date.now();
    profiler.measure('outer', () => {
      t += 2.5;
      profiler.measure('inner', () => {
        t += 0.25;
      });
    });
    await profiler.flush();
    const [inner, outer] = sink.spans;
    expect(outer!.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(outer!.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(inner!.traceId).toBe(outer!.traceId);
    expect(inner!.parentSpanId).toBe(outer!.spanId);
    expect(outer!.duration).toBe(2.75);
    expect(inner!.duration).toBe(0.25);
    expect(inner!.startTime - outer!.startTime).toBe(2.5);
    expect(Math.abs(outer!.startTime - before)).toBeLessThan(1000);
    expect(outer).toMatchObject({ runId: 'run-1', pid: process.pid, threadId: 0, weight: 1 });
  });

  it('draws distinct ids for many spans', async () => {
    const sink = new InMemorySink();
    const profiler = new Profiler({
      sink,
      maxQueueSize: 20_000,
      flushOnExit: false,
      maxSpansPerSecond: Infinity,
    });
    open.push(profiler);
    for (let i = 0; i < 10_000; i++) profiler.measure('x', () => undefined);
    await profiler.flush();
    expect(new Set(sink.spans.map((s) => s.spanId)).size).toBe(10_000);
    expect(new Set(sink.spans.map((s) => s.traceId)).size).toBe(10_000);
  });
});
