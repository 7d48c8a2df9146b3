import { AsyncLocalStorage } from 'node:async_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExternalContext, ExternalSpanContext } from '../src/ExternalContext.js';
import { InMemorySink } from '../src/InMemorySink.js';
import { NOOP_SPAN } from '../src/NoOpSpan.js';
import { Profiler } from '../src/Profiler.js';
import type { Span } from '../src/Span.js';
import { ManualClock } from './helpers/ManualClock.js';

/** A stand-in for another tracer's context: its own AsyncLocalStorage of span contexts. */
class OtherTracer implements ExternalContext {
  readonly als = new AsyncLocalStorage<ExternalSpanContext>();
  activeSpan(): ExternalSpanContext | undefined {
    return this.als.getStore();
  }
  runWithSpan<R>(span: Span, fn: () => R): R {
    return this.als.run({ traceId: span.traceId, spanId: span.spanId, sampled: true }, fn);
  }
}

const open: Profiler[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

function setup(maxSpansPerSecond = 10) {
  const clock = new ManualClock();
  const sink = new InMemorySink();
  const other = new OtherTracer();
  const profiler = new Profiler({
    maxSpansPerSecond,
    sink,
    clock: clock.read,
    flushOnExit: false,
    externalContext: other,
  });
  open.push(profiler);
  return { clock, sink, other, profiler };
}

const OUTER = { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), sampled: true };

describe('externalContext', () => {
  it('nests a measure() block under the other tracer’s sampled span, in its trace', async () => {
    const { sink, other, profiler } = setup();
    let seenInside: ExternalSpanContext | undefined;
    other.als.run(OUTER, () =>
      profiler.measure('load', () =>
        profiler.measure('parse', (span) => {
          // The other tracer sees the Ferret span as current.
          seenInside = other.activeSpan();
          expect(seenInside?.spanId).toBe((span as Span).spanId);
        }),
      ),
    );
    await profiler.flush();
    const load = sink.spans.find((s) => s.name === 'load')!;
    const parse = sink.spans.find((s) => s.name === 'parse')!;
    expect(load.traceId).toBe(OUTER.traceId);
    expect(load.parentSpanId).toBe(OUTER.spanId);
    expect(parse.traceId).toBe(OUTER.traceId);
    expect(parse.parentSpanId).toBe(load.spanId);
    expect(seenInside?.traceId).toBe(OUTER.traceId);
    // Not a Ferret root: no count record for it.
    expect(sink.counts.filter((c) => c.name === 'load')).toEqual([]);
  });

  it("gives the spans nested under a sampled external span the outer trace's weight", async () => {
    const { sink, other, profiler } = setup();
    other.als.run({ ...OUTER, weight: 8 }, () =>
      profiler.measure('load', (span) => {
        expect((span as Span).weight).toBe(8);
        profiler.measure('parse', () => {});
      }),
    );
    // A weight that is not a finite number >= 1 counts as 1.
    for (const weight of [Number.NaN, 0.5, Number.POSITIVE_INFINITY, -3]) {
      other.als.run({ ...OUTER, weight }, () => profiler.measure('odd', () => {}));
    }
    await profiler.flush();
    const weights = sink.spans.map((s) => [s.name, s.weight]);
    expect(weights).toEqual([
      ['parse', 8],
      ['load', 8],
      ['odd', 1],
      ['odd', 1],
      ['odd', 1],
      ['odd', 1],
    ]);
  });

  it('records nothing under a span the other tracer does not sample', async () => {
    const { sink, other, profiler } = setup();
    const got = other.als.run({ ...OUTER, sampled: false }, () =>
      profiler.measure('load', (span) => span),
    );
    expect(got).toBe(NOOP_SPAN);
    await profiler.flush();
    expect(sink.spans).toEqual([]);
  });

  it('admitExternalRoot spends the same bucket and counts calls per name; children are charged', async () => {
    const { sink, profiler } = setup(10);
    let admitted = 0;
    for (let i = 0; i < 100; i++) if (profiler.admitExternalRoot('GET /') >= 1) admitted++;
    // The burst (10) and nothing more at one instant of the clock.
    expect(admitted).toBe(10);
    // The bucket is empty for measure() roots too: one bucket, not two.
    expect(profiler.measure('job', (span) => span)).toBe(NOOP_SPAN);
    const before = profiler.stats().recordedSpans;
    profiler.chargeExternalChild();
    expect(profiler.stats().recordedSpans).toBe(before + 1);
    await profiler.flush();
    const counts = sink.counts.find((c) => c.name === 'GET /')!;
    expect(counts).toMatchObject({ calls: 100, recorded: 10, dropped: 90 });
  });

  it('a deferred root call is counted under the name it ends with; weight and share stay with the name it was admitted under', async () => {
    const { clock, sink, profiler } = setup(10);
    const routes = ['GET /fail', 'GET /users/:id', 'GET /users/:id', 'GET /search'];
    const weights: number[] = [];
    // 4 bursts of 40 requests, always in the same route order: the refilled tokens go to
    // whichever route comes first, but each request is counted under its own route.
    for (let burst = 0; burst < 4; burst++) {
      for (let i = 0; i < 40; i++) {
        const weight = profiler.admitExternalRoot('GET');
        expect(profiler.deferExternalRootCount('GET', weight >= 1)).toBe(true);
        if (weight >= 1) weights.push(weight);
        profiler.countExternalRoot(routes[i % 4]!, weight >= 1);
      }
      clock.advance(1000);
    }
    // One request that never gets a route: counted under the name it was admitted under.
    const weight = profiler.admitExternalRoot('GET');
    expect(profiler.deferExternalRootCount('GET', weight >= 1)).toBe(true);
    profiler.countExternalRoot('GET', weight >= 1);
    await profiler.flush();
    const totals = new Map<string, [number, number, number]>();
    for (const c of sink.counts) {
      const sums = totals.get(c.name) ?? [0, 0, 0];
      totals.set(c.name, [sums[0] + c.calls, sums[1] + c.recorded, sums[2] + c.dropped]);
      expect(c.calls).toBeGreaterThan(0);
      expect(c.dropped).toBeGreaterThanOrEqual(0);
    }
    const recorded = (name: string) => totals.get(name)![1];
    expect(totals.get('GET /fail')![0]).toBe(40);
    expect(totals.get('GET /users/:id')![0]).toBe(80);
    expect(totals.get('GET /search')![0]).toBe(40);
    expect(totals.get('GET')![0]).toBe(1);
    // The first request of each burst took the refilled tokens: /fail is recorded most.
    expect(recorded('GET /fail')).toBeGreaterThan(recorded('GET /search'));
    const allRecorded = [...totals.values()].reduce((sum, t) => sum + t[1], 0);
    expect(allRecorded).toBe(weights.length + (weight >= 1 ? 1 : 0));
    // Weights were cut for GET as a whole: calls of GET ÷ recorded of GET.
    expect(Math.max(...weights)).toBeGreaterThan(1);
    const stats = profiler.stats();
    expect(stats.calls).toBe(161);
    expect(stats.recordedRoots).toBe(allRecorded);
    expect(stats.names.find((n) => n.name === 'GET')).toMatchObject({ calls: 1 });
    expect(stats.names.find((n) => n.name === 'GET /fail')).toMatchObject({ calls: 40 });
  });

  it('deferExternalRootCount refuses a call that was not just counted (and then nothing is moved)', async () => {
    const { sink, profiler } = setup(10);
    expect(profiler.deferExternalRootCount('GET', false)).toBe(false);
    profiler.admitExternalRoot('GET');
    await profiler.flush();
    // Already written as a count record: it stays under GET.
    expect(profiler.deferExternalRootCount('GET', true)).toBe(false);
    expect(profiler.admitExternalRoot('GET')).toBeGreaterThanOrEqual(1);
    expect(profiler.deferExternalRootCount('GET', true)).toBe(true);
    expect(profiler.deferExternalRootCount('GET', false)).toBe(false);
    profiler.countExternalRoot('GET /a', true);
    await profiler.flush();
    expect(sink.counts.map((c) => [c.name, c.calls, c.recorded])).toEqual([
      ['GET', 1, 1],
      ['GET /a', 1, 1],
    ]);
    // A name whose calls all went elsewhere stays in the table (its weight and share go on).
    expect(profiler.stats().names.map((n) => n.name)).toContain('GET');
  });

  it('rejects a malformed externalContext naming the option', () => {
    expect(() => new Profiler({ externalContext: {} as never })).toThrow(/externalContext/);
  });
});
