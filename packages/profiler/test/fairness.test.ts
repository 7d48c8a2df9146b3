import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemorySink } from '../src/InMemorySink.js';
import { OTHER_NAME } from '../src/NameTable.js';
import { Profiler } from '../src/Profiler.js';
import { ManualClock } from './helpers/ManualClock.js';

const open: Profiler[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

describe('fairness between root names', () => {
  it('budget 100/s, A at 10,000 calls/s, B at 5 calls/s: at least 90% of B is recorded', async () => {
    const clock = new ManualClock();
    const sink = new InMemorySink({ maxSpans: 1_000_000 });
    const profiler = new Profiler({
      maxSpansPerSecond: 100,
      sink,
      clock: clock.read,
      flushOnExit: false,
      maxQueueSize: 100_000,
    });
    open.push(profiler);
    const seconds = 20;
    let bCalls = 0;
    let bRecorded = 0;
    let aRecorded = 0;
    // Time in units of 0.1 ms: A every unit, B every 2000 units (200 ms).
    for (let tick = 0; tick < seconds * 10_000; tick++) {
      clock.now = tick / 10;
      profiler.measure('A', (span) => {
        if (span.isRecording) aRecorded++;
      });
      if (tick % 2000 === 1000) {
        bCalls++;
        profiler.measure('B', (span) => {
          if (span.isRecording) bRecorded++;
        });
      }
    }
    expect(bCalls).toBe(100);
    expect(bRecorded / bCalls).toBeGreaterThanOrEqual(0.9);
    // The flood still gets the rest of the budget (work-conserving), within the hard bound.
    expect(aRecorded).toBeGreaterThan(seconds * 80);
    expect(aRecorded + bRecorded).toBeLessThanOrEqual(100 * seconds + 100);

    // Exact counts: per name, calls = recorded + dropped; count records sum to the calls made.
    const stats = profiler.stats();
    const a = stats.names.find((n) => n.name === 'A')!;
    const b = stats.names.find((n) => n.name === 'B')!;
    expect(a).toEqual({
      name: 'A',
      calls: seconds * 10_000,
      recorded: aRecorded,
      dropped: seconds * 10_000 - aRecorded,
    });
    expect(b).toEqual({ name: 'B', calls: 100, recorded: bRecorded, dropped: 100 - bRecorded });
    await profiler.flush();
    const sum = (name: string, field: 'calls' | 'recorded' | 'dropped') =>
      sink.counts.filter((c) => c.name === name).reduce((t, c) => t + c[field], 0);
    expect(sum('A', 'calls')).toBe(seconds * 10_000);
    expect(sum('A', 'recorded')).toBe(aRecorded);
    expect(sum('B', 'calls')).toBe(100);
    expect(sum('B', 'dropped')).toBe(100 - bRecorded);

    // Weights: A's recorded spans stand for ~10,000/95 calls each, B's for ~1 call.
    const aWeights = sink.spans.filter(
      (s) => s.name === 'A' && clockSeconds(s.startTime, sink) > 5,
    );
    const meanA = aWeights.reduce((t, s) => t + s.weight, 0) / aWeights.length;
    expect(meanA).toBeGreaterThan(80);
    expect(meanA).toBeLessThan(130);
    const bLater = sink.spans.filter((x) => x.name === 'B' && clockSeconds(x.startTime, sink) > 5);
    for (const s of bLater) expect(s.weight).toBeLessThan(1.2);
    // Sum of weights of recorded spans extrapolates the true number of calls.
    const estimatedA = sink.spans.filter((s) => s.name === 'A').reduce((t, s) => t + s.weight, 0);
    expect(estimatedA / (seconds * 10_000)).toBeGreaterThan(0.9);
    expect(estimatedA / (seconds * 10_000)).toBeLessThan(1.1);
  });

  it('count records cover every interval, and idle names leave the table', async () => {
    const clock = new ManualClock();
    const sink = new InMemorySink();
    const profiler = new Profiler({
      maxSpansPerSecond: 2,
      sink,
      clock: clock.read,
      flushOnExit: false,
    });
    open.push(profiler);
    for (let i = 0; i < 10; i++) profiler.measure('early', () => undefined);
    clock.advance(1000);
    await profiler.flush();
    expect(sink.counts).toEqual([
      expect.objectContaining({
        name: 'early',
        calls: 10,
        recorded: 2,
        dropped: 8,
        runId: profiler.runId,
      }),
    ]);
    const first = sink.counts[0]!;
    expect(first.intervalEnd - first.intervalStart).toBe(1000);
    for (let i = 0; i < 3; i++) profiler.measure('late', () => undefined);
    await profiler.flush(); // 'early' was idle for this interval: evicted after reporting nothing
    expect(sink.counts.slice(1).map((c) => [c.name, c.calls])).toEqual([['late', 3]]);
    expect(profiler.stats().names.map((n) => n.name)).toEqual(['late']);
    expect(profiler.stats().calls).toBe(13); // totals survive eviction
  });

  it('bounds the name table; overflow is counted under (other)', async () => {
    const sink = new InMemorySink();
    const profiler = new Profiler({ maxNames: 3, sink, flushOnExit: false });
    open.push(profiler);
    for (let i = 0; i < 10; i++) profiler.measure(`name-${i}`, () => undefined);
    const stats = profiler.stats();
    expect(stats.overflowCalls).toBe(7);
    expect(stats.names.find((n) => n.name === OTHER_NAME)?.calls).toBe(7);
    expect(stats.names.length).toBe(4);
    await profiler.flush();
    expect(sink.counts.reduce((t, c) => t + c.calls, 0)).toBe(10);
    // The spans keep their real names; only the counting is aggregated.
    expect(new Set(sink.spans.map((s) => s.name)).size).toBe(10);
  });

  it('a root the application names (other) shares the overflow row; no call is lost', async () => {
    const sink = new InMemorySink();
    const profiler = new Profiler({ maxNames: 2, sink, flushOnExit: false });
    open.push(profiler);
    profiler.measure(OTHER_NAME, () => undefined);
    profiler.measure(OTHER_NAME, () => undefined);
    for (const name of ['a', 'b', 'c']) profiler.measure(name, () => undefined);
    expect(profiler.stats().calls).toBe(5);
    await profiler.flush();
    expect(sink.counts.reduce((t, c) => t + c.calls, 0)).toBe(5);
  });
});

describe('the global hard bound (property)', () => {
  it('recorded spans <= budget × T + burst + traces in flight × maxSpansPerTrace, for any traffic', () => {
    fc.assert(
      fc.property(
        fc.record({
          rate: fc.integer({ min: 1, max: 200 }),
          burst: fc.integer({ min: 1, max: 300 }),
          maxSpansPerTrace: fc.integer({ min: 1, max: 20 }),
          calls: fc.array(
            fc.record({
              gapMs: fc.double({ min: 0, max: 50, noNaN: true }),
              name: fc.integer({ min: 0, max: 6 }),
              children: fc.integer({ min: 0, max: 30 }),
            }),
            { minLength: 1, maxLength: 400 },
          ),
        }),
        ({ rate, burst, maxSpansPerTrace, calls }) => {
          const clock = new ManualClock();
          const profiler = new Profiler({
            maxSpansPerSecond: rate,
            burst,
            maxSpansPerTrace,
            clock: clock.read,
            flushOnExit: false,
            maxQueueSize: 100_000,
            maxBatchSize: 100_000,
          });
          try {
            for (const call of calls) {
              clock.advance(call.gapMs);
              profiler.measure(`n${call.name}`, () => {
                for (let i = 0; i < call.children; i++) profiler.measure('child', () => undefined);
              });
            }
            const seconds = clock.now / 1000;
            // Traces run one at a time here: one trace is in flight at each decision.
            const bound = rate * seconds + burst + 1 * maxSpansPerTrace;
            const stats = profiler.stats();
            expect(stats.recordedSpans).toBeLessThanOrEqual(bound + 1e-9);
            // Exact counts hold for any traffic too.
            for (const n of stats.names) expect(n.calls).toBe(n.recorded + n.dropped);
            expect(stats.calls).toBe(calls.length);
          } finally {
            void profiler.close();
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** Seconds since the first recorded span (start times are epoch ms from the injected clock). */
function clockSeconds(startTime: number, sink: InMemorySink): number {
  return (startTime - sink.spans[0]!.startTime) / 1000;
}
