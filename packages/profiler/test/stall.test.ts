import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  InMemorySink,
  Profiler,
  type SpanRecord,
  STALL_SPAN_NAME,
  STALL_SPANS_BURST,
} from '../src/index.js';
import { stallWatchdogTestHooks } from '../src/StallWatchdog.js';
import { ManualClock } from './helpers/ManualClock.js';

// The watcher thread runs from dist/ (`pnpm test` builds first). Thresholds are generous against
// the blocks so that a loaded 2-core machine cannot blur a stall into a healthy loop or back.

/** Blocks the event loop (a named function, so that it shows in the captured stack). */
function busyWait(ms: number): number {
  const end = performance.now() + ms;
  let turns = 0;
  while (performance.now() < end) turns++;
  return turns;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the watcher thread runs (booting a thread takes long on a loaded machine). */
async function watching(target: Profiler): Promise<void> {
  while (target.stats().stallWatchdog === 'starting') await sleep(20);
  expect(target.stats().stallWatchdog).toBe('watching');
}

let profiler: Profiler | undefined;
afterEach(async () => {
  await profiler?.close();
  profiler = undefined;
});

function stallsIn(sink: InMemorySink): SpanRecord[] {
  return sink.spans.filter((span) => span.name === STALL_SPAN_NAME);
}

describe('stall watchdog', () => {
  it('records one ferret.stall span naming the measure() block that blocked the loop, with its stack', async () => {
    const sink = new InMemorySink();
    profiler = new Profiler({ sink, stallThresholdMs: 100 });
    await watching(profiler);
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        profiler!.measure('slow handler', () => busyWait(1000));
        resolve();
      }, 10),
    );
    // The stall is reported once the loop runs again, the span on the next flush.
    await sleep(500);
    await profiler.flush();
    // A loaded machine may stall the loop on its own (descheduling, GC): exactly one stall names
    // the handler.
    const stalls = stallsIn(sink).filter(
      (span) => span.attributes['ferret.stall.span.name'] === 'slow handler',
    );
    expect(stalls).toHaveLength(1);
    const handler = sink.spans.find((span) => span.name === 'slow handler')!;
    const stall = stalls[0]!;
    expect(stall.attributes).toMatchObject({
      'ferret.stall.span.name': 'slow handler',
      'ferret.stall.span.trace_id': handler.traceId,
      'ferret.stall.span.span_id': handler.spanId,
      'ferret.stall.threshold_ms': 100,
    });
    // Its own trace, outside the handler's: a root of weight 1.
    expect(stall.traceId).not.toBe(handler.traceId);
    expect(stall.parentSpanId).toBeUndefined();
    expect(stall.weight).toBe(1);
    // Blocked at least the block minus one heartbeat; the stall lies within the handler's span.
    expect(stall.duration).toBeGreaterThanOrEqual(1000 - 50);
    expect(stall.duration).toBeLessThanOrEqual(handler.duration + 100);
    expect(stall.startTime).toBeGreaterThanOrEqual(handler.startTime - 100);
    expect(String(stall.attributes['ferret.stall.stack'])).toMatch(
      /^busyWait \(.*stall\.test\.ts:\d+:\d+\)$/m,
    );
    expect(profiler.stats().stallsNotRecorded).toBe(0);
    await profiler.close();
    expect(profiler.stats().stallWatchdog).toBe('stopped');
  }, 30_000);

  it('names no span when the loop blocks outside any recorded measure() block', async () => {
    const sink = new InMemorySink();
    profiler = new Profiler({ sink, stallThresholdMs: 100, captureStallStacks: false });
    await watching(profiler);
    profiler.measure('quick', () => 1);
    busyWait(600);
    await sleep(500);
    await profiler.flush();
    const stalls = stallsIn(sink).filter((span) => span.duration >= 450);
    expect(stalls).toHaveLength(1);
    expect(stalls[0]!.attributes['ferret.stall.span.name']).toBeUndefined();
    expect(stalls[0]!.attributes['ferret.stall.stack']).toBeUndefined();
  }, 30_000);

  it('records nothing on a healthy loop', async () => {
    const sink = new InMemorySink();
    profiler = new Profiler({ sink, stallThresholdMs: 500 });
    await watching(profiler);
    const end = performance.now() + 1500;
    while (performance.now() < end) {
      profiler.measure('tick', () => busyWait(2));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await profiler.flush();
    expect(stallsIn(sink)).toHaveLength(0);
    expect(profiler.stats().stalls).toBe(0);
  }, 30_000);

  it('rate-limits stall spans outside the budget and counts the stalls it did not record', async () => {
    const sink = new InMemorySink();
    // A clock that never moves: the stall bucket never refills, so exactly its burst is recorded.
    const clock = new ManualClock();
    profiler = new Profiler({
      sink,
      clock: clock.read,
      maxSpansPerSecond: 0,
      stallThresholdMs: 50,
      captureStallStacks: false,
    });
    await watching(profiler);
    for (let i = 0; i < STALL_SPANS_BURST + 3; i++) {
      busyWait(250);
      await sleep(150);
    }
    await profiler.flush();
    const { stalls, stallsNotRecorded } = profiler.stats();
    expect(stalls).toBeGreaterThanOrEqual(STALL_SPANS_BURST + 3);
    expect(stallsIn(sink)).toHaveLength(STALL_SPANS_BURST);
    expect(stallsNotRecorded).toBe(stalls - STALL_SPANS_BURST);
  }, 60_000);

  it('close() in the task the stall ends in still records the stall, naming its block', async () => {
    const sink = new InMemorySink();
    profiler = new Profiler({ sink, stallThresholdMs: 100 });
    await watching(profiler);
    profiler.measure('last job', () => busyWait(600));
    // No turn of the loop between the block and close(): the heartbeat never ran after it.
    await profiler.close();
    const stalls = stallsIn(sink).filter(
      (span) => span.attributes['ferret.stall.span.name'] === 'last job',
    );
    expect(stalls).toHaveLength(1);
    expect(stalls[0]!.duration).toBeGreaterThanOrEqual(600 - 50);
    expect(profiler.stats().stallWatchdog).toBe('stopped');
  }, 30_000);

  it('close() while the watcher still waits for the stack: the stall is recorded without it', async () => {
    // The hook: a stack capture never finishes, as when the main thread cannot be paused. Only
    // the flush's bound ends the wait, so close() runs while the report is in flight.
    stallWatchdogTestHooks.holdStacks = true;
    try {
      const sink = new InMemorySink();
      profiler = new Profiler({ sink, stallThresholdMs: 100 });
      await watching(profiler);
      profiler.measure('slow handler', () => busyWait(600));
      await profiler.close();
      const stalls = stallsIn(sink).filter(
        (span) => span.attributes['ferret.stall.span.name'] === 'slow handler',
      );
      expect(stalls).toHaveLength(1);
      expect(stalls[0]!.attributes['ferret.stall.stack']).toBeUndefined();
      expect(profiler.stats()).toMatchObject({ stallsNotRecorded: 0, stallWatchdog: 'stopped' });
    } finally {
      stallWatchdogTestHooks.holdStacks = false;
    }
  }, 30_000);

  it('stops with close(), and never keeps the process alive', () => {
    const script = fileURLToPath(new URL('./fixtures/stall-exit.mjs', import.meta.url));
    const run = (mode: string) => {
      const child = spawnSync(process.execPath, [script, mode], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(child.status, child.stderr).toBe(0);
      return child.stdout;
    };
    expect(run('open')).toBe('stalls=1\n');
    expect(run('close')).toBe('stalls=0\n');
  });

  it('rejects a malformed stallThresholdMs, naming it', () => {
    for (const value of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, 1e12]) {
      expect(() => new Profiler({ stallThresholdMs: value })).toThrow(
        expect.objectContaining({
          name: 'RangeError',
          message: expect.stringContaining('stallThresholdMs'),
        }),
      );
    }
    expect(() => new Profiler({ stallThresholdMs: '100' as never })).toThrow(TypeError);
    expect(() => new Profiler({ stallThresholdMs: 100, captureStallStacks: 1 as never })).toThrow(
      /captureStallStacks/,
    );
  });
});
