import { afterEach, describe, expect, it } from 'vitest';
import { InMemorySink } from '../src/InMemorySink.js';
import { Profiler } from '../src/Profiler.js';

const open: Profiler[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

/**
 * A clock is any monotonic number source: only differences between readings may matter, never
 * where it starts. Origins: far negative, just below zero, zero, epoch milliseconds, far positive.
 */
const ORIGINS = [-1e15, -1e6, -0.5, 0, 1.8e12, 1e15];

describe.each(ORIGINS)('an injected clock starting at %d', (origin) => {
  let elapsed = 0;
  const clock = () => origin + elapsed;

  it('records about budget × time, and every call again once traffic falls below it', async () => {
    elapsed = 0;
    const sink = new InMemorySink();
    const profiler = new Profiler({ maxSpansPerSecond: 10, sink, clock, flushOnExit: false });
    open.push(profiler);

    let recorded = 0;
    for (let i = 0; i < 1000; i++) {
      profiler.measure('handler', (span) => {
        if (span.isRecording) recorded++;
      });
      elapsed += 10; // 100 calls per simulated second for 10 s
    }
    // 10 s × 10/s = 100, plus at most the burst (10) the full bucket starts with.
    expect(recorded).toBeGreaterThanOrEqual(100);
    expect(recorded).toBeLessThanOrEqual(110);

    const quiet: boolean[] = [];
    for (let i = 0; i < 20; i++) {
      elapsed += 200; // 5 calls/s: every one recorded
      profiler.measure('handler', (span) => {
        quiet.push(span.isRecording);
        elapsed += 3; // the call takes 3 ms
      });
    }
    expect(quiet).toEqual(Array(20).fill(true));

    await profiler.flush();
    expect(sink.spans).toHaveLength(recorded + 20);
    const last = sink.spans.at(-1)!;
    // Durations are differences of readings; timestamps are anchored on the wall clock.
    expect(last.duration).toBeCloseTo(3, 0);
    expect(Math.abs(last.startTime - Date.now())).toBeLessThan(60_000);
  });
});
