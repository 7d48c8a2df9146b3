import { type RateBucket, TokenBucket } from '@ferret/ratelimit';
import { metrics, ROOT_CONTEXT, type Span, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SamplingDecision,
  type SamplingResult,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRateLimitedSampler } from '../src/createRateLimitedSampler.js';
import { traceStateWeight } from '../src/otTraceState.js';
import { RateLimitingSampler } from '../src/RateLimitingSampler.js';
import {
  ATTR_FERRET_SAMPLING_PROBABILITY,
  ATTR_SAMPLER_PARAM,
  ATTR_SAMPLER_TYPE,
  SAMPLER_TYPE_RATELIMITING,
} from '../src/semconv.js';
import { DecisionMetricReader } from './support/DecisionMetricReader.js';
import { ManualClock } from './support/ManualClock.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

function decide(sampler: RateLimitingSampler): SamplingResult {
  return sampler.shouldSample(ROOT_CONTEXT, TRACE_ID, 'root', SpanKind.SERVER, {}, []);
}

function probabilityOf(result: SamplingResult): unknown {
  return result.attributes?.[ATTR_FERRET_SAMPLING_PROBABILITY];
}

describe('RateLimitingSampler decisions', () => {
  it('samples while the bucket has tokens and drops once it is empty', () => {
    const clock = new ManualClock();
    const sampler = new RateLimitingSampler({ maxTracesPerSecond: 10, burst: 3, clock: clock.now });
    const first = [1, 2, 3, 4, 5].map(() => decide(sampler).decision);
    expect(first).toEqual([
      SamplingDecision.RECORD_AND_SAMPLED,
      SamplingDecision.RECORD_AND_SAMPLED,
      SamplingDecision.RECORD_AND_SAMPLED,
      SamplingDecision.NOT_RECORD,
      SamplingDecision.NOT_RECORD,
    ]);
    clock.advance(99); // 0.99 of a token at 10/s
    expect(decide(sampler).decision).toBe(SamplingDecision.NOT_RECORD);
    clock.advance(1);
    expect(decide(sampler).decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(sampler).decision).toBe(SamplingDecision.NOT_RECORD);
    clock.advance(60_000); // a long pause refills only up to the burst
    const afterPause = Array.from({ length: 5 }, () => decide(sampler).decision);
    expect(afterPause.filter((d) => d === SamplingDecision.RECORD_AND_SAMPLED)).toHaveLength(3);
  });

  it('dropped decisions carry no attributes and do not record', () => {
    const sampler = new RateLimitingSampler({ maxTracesPerSecond: 1, clock: () => 0 });
    decide(sampler);
    const dropped = decide(sampler);
    expect(dropped.decision).toBe(SamplingDecision.NOT_RECORD);
    expect(dropped.attributes).toBeUndefined();
  });

  it('never samples more than rate × time + burst over a long irregular run', () => {
    const clock = new ManualClock();
    const sampler = new RateLimitingSampler({ maxTracesPerSecond: 25, burst: 5, clock: clock.now });
    let sampled = 0;
    let state = 12345;
    for (let i = 0; i < 20_000; i++) {
      state = (state * 1103515245 + 12345) % 2 ** 31; // deterministic irregular gaps
      clock.advance((state % 1000) / 100);
      if (decide(sampler).decision === SamplingDecision.RECORD_AND_SAMPLED) sampled++;
    }
    const seconds = clock.ms / 1000;
    expect(sampled).toBeLessThanOrEqual(25 * seconds + 5);
    expect(sampled).toBeGreaterThan(25 * seconds * 0.95); // traffic far above budget: budget used
  });

  it('shares one budget between samplers given the same bucket', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 2, capacity: 4, clock: clock.now });
    const a = new RateLimitingSampler({ bucket, clock: clock.now });
    const b = new RateLimitingSampler({ bucket, clock: clock.now });
    expect(a.bucket).toBe(bucket);
    const decisions = Array.from({ length: 10 }, (_, i) => decide(i % 2 ? a : b).decision);
    expect(decisions.filter((d) => d === SamplingDecision.RECORD_AND_SAMPLED)).toHaveLength(4);
    expect(bucket.available()).toBeLessThan(1);
    clock.advance(500);
    expect(decide(a).decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(b).decision).toBe(SamplingDecision.NOT_RECORD);
  });

  it('treats a throwing bucket as empty instead of throwing into the app', () => {
    const bucket = new TokenBucket({ ratePerSecond: 1 });
    bucket.tryTake = () => {
      throw new Error('shared memory gone');
    };
    const sampler = new RateLimitingSampler({ bucket, clock: () => 0 });
    expect(decide(sampler).decision).toBe(SamplingDecision.NOT_RECORD);
  });
});

describe('RateLimitingSampler toString', () => {
  it('describes the budget', () => {
    expect(new RateLimitingSampler().toString()).toBe(
      'RateLimitingSampler{maxTracesPerSecond=100, burst=100}',
    );
    expect(new RateLimitingSampler({ maxTracesPerSecond: 0.5 }).toString()).toBe(
      'RateLimitingSampler{maxTracesPerSecond=0.5, burst=1}',
    );
    expect(new RateLimitingSampler({ maxTracesPerSecond: 50, burst: 7 }).toString()).toBe(
      'RateLimitingSampler{maxTracesPerSecond=50, burst=7}',
    );
  });

  it('follows a shared bucket, including later rate changes', () => {
    const bucket = new TokenBucket({ ratePerSecond: 20, capacity: 40 });
    const sampler = new RateLimitingSampler({ bucket });
    expect(sampler.toString()).toBe('RateLimitingSampler{maxTracesPerSecond=20, burst=40, shared}');
    bucket.setRate(5, 10);
    expect(sampler.toString()).toBe('RateLimitingSampler{maxTracesPerSecond=5, burst=10, shared}');
  });

  it('createRateLimitedSampler is ParentBased with the rate limiter as root', () => {
    expect(createRateLimitedSampler({ maxTracesPerSecond: 50 }).toString()).toBe(
      'ParentBased{root=RateLimitingSampler{maxTracesPerSecond=50, burst=50}, remoteParentSampled=AlwaysOnSampler, remoteParentNotSampled=AlwaysOffSampler, localParentSampled=AlwaysOnSampler, localParentNotSampled=AlwaysOffSampler}',
    );
  });
});

describe('RateLimitingSampler options validation', () => {
  it.each([
    [
      { maxTracesPerSecond: Number.NaN },
      RangeError,
      /`maxTracesPerSecond` to be a finite number, got NaN/,
    ],
    [
      { maxTracesPerSecond: Number.POSITIVE_INFINITY },
      RangeError,
      /`maxTracesPerSecond` to be a finite number, got Infinity/,
    ],
    [{ maxTracesPerSecond: 0 }, RangeError, /`maxTracesPerSecond` to be > 0, got 0/],
    [{ maxTracesPerSecond: -5 }, RangeError, /`maxTracesPerSecond` to be > 0, got -5/],
    [
      { maxTracesPerSecond: '10' },
      TypeError,
      /`maxTracesPerSecond` to be a number, got string "10"/,
    ],
    // The same rule as the profiler's and every bucket's `burst`: a number >= 1, finite.
    [{ burst: 0 }, RangeError, /`burst` to be > 0, got 0/],
    [{ burst: 0.5 }, RangeError, /`burst` to be >= 1/],
    [{ burst: Number.POSITIVE_INFINITY }, RangeError, /`burst` to be a finite number/],
    [{ burst: Number.NaN }, RangeError, /`burst` to be a finite number, got NaN/],
    [{ burst: null }, TypeError, /`burst` to be a number, got null/],
    [{ clock: 'now' }, TypeError, /`clock` to be a function, got string "now"/],
    [
      { bucket: {} },
      TypeError,
      /`bucket` to be a RateBucket \(an object with tryTake\(\)\), got object/,
    ],
    [
      { bucket: new TokenBucket({ ratePerSecond: 1 }), maxTracesPerSecond: 5 },
      TypeError,
      /either `bucket` or `maxTracesPerSecond`\/`burst`/,
    ],
    [{ meterProvider: {} }, TypeError, /`meterProvider` to be a MeterProvider/],
  ])('rejects %o', (options, type, message) => {
    const construct = () => new RateLimitingSampler(options as never);
    expect(construct).toThrow(type);
    expect(construct).toThrow(message);
  });

  it('rejects non-object options', () => {
    expect(() => new RateLimitingSampler(null as never)).toThrow(
      /`options` to be an object, got null/,
    );
    expect(() => new RateLimitingSampler(5 as never)).toThrow(TypeError);
  });
});

describe('ferret.sampling.probability', () => {
  it('is 1 on every sampled root while under budget, without allocating a result per root', () => {
    const clock = new ManualClock();
    const sampler = new RateLimitingSampler({ maxTracesPerSecond: 100, clock: clock.now });
    const results = new Set<SamplingResult>();
    for (let i = 0; i < 500; i++) {
      clock.advance(20); // 50 roots/s against a budget of 100/s
      const result = decide(sampler);
      expect(result.decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
      expect(probabilityOf(result)).toBe(1);
      results.add(result);
    }
    expect(results.size).toBe(1);
  });

  it('is 1 ÷ the roots a sampled root stands for: itself and the drops since the last sample', () => {
    const clock = new ManualClock();
    const sampler = new RateLimitingSampler({ maxTracesPerSecond: 10, burst: 1, clock: clock.now });
    const at = (t: number) => {
      clock.ms = t;
      return decide(sampler);
    };
    expect(probabilityOf(at(0))).toBe(1);
    for (const t of [10, 20, 30]) expect(at(t).decision).toBe(SamplingDecision.NOT_RECORD);
    expect(probabilityOf(at(100))).toBe(1 / 4); // 3 dropped + itself
    expect(probabilityOf(at(200))).toBe(1); // none dropped in between
    expect(at(210).decision).toBe(SamplingDecision.NOT_RECORD);
    expect(probabilityOf(at(5000))).toBe(1 / 2); // an idle gap changes nothing: 1 dropped + itself
    // The status reading stays sampled ÷ seen over the last second.
    expect(sampler.probability).toBe(1);
  });

  it('sums (1/p over sampled roots) to the roots seen, exactly, from the first burst on', () => {
    const clock = new ManualClock();
    const sampler = new RateLimitingSampler({
      maxTracesPerSecond: 10,
      burst: 10,
      clock: clock.now,
    });
    let seenUpToLastSample = 0;
    let seen = 0;
    let estimated = 0;
    let sampled = 0;
    for (let i = 0; i < 12_000; i++) {
      // 1000 roots/s against a budget of 10/s, with a ramp: the first second at 250/s
      clock.advance(i < 250 ? 4 : 1);
      const result = decide(sampler);
      seen++;
      if (result.decision !== SamplingDecision.RECORD_AND_SAMPLED) continue;
      const p = probabilityOf(result) as number;
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThanOrEqual(1);
      sampled++;
      estimated += 1 / p;
      seenUpToLastSample = seen;
    }
    expect(sampled).toBeGreaterThanOrEqual(120);
    expect(estimated).toBeCloseTo(seenUpToLastSample, 6);
    expect(seen - seenUpToLastSample).toBeLessThan(200); // the drops after the last sample
  });

  it("writes ferret=p:<probability> into the root's tracestate, which children inherit", () => {
    const exporter = new InMemorySpanExporter();
    const clock = new ManualClock();
    const provider = new BasicTracerProvider({
      sampler: createRateLimitedSampler({ maxTracesPerSecond: 1, burst: 1, clock: clock.now }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('test');
    tracer.startSpan('first').end();
    for (let i = 0; i < 24; i++) tracer.startSpan('dropped').end();
    clock.advance(1000);
    const root = tracer.startSpan('root');
    tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root)).end();
    root.end();
    const [first, child, second] = exporter.getFinishedSpans();
    expect(first?.spanContext().traceState?.get('ferret')).toBe('p:1');
    expect(second?.attributes[ATTR_FERRET_SAMPLING_PROBABILITY]).toBe(0.04);
    expect(second?.spanContext().traceState?.serialize()).toBe('ferret=p:0.04');
    expect(child?.spanContext().traceState?.serialize()).toBe('ferret=p:0.04');
  });

  it('is attached to the recorded root span', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      sampler: createRateLimitedSampler({ maxTracesPerSecond: 1, burst: 1, clock: () => 0 }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('test');
    tracer.startSpan('root', { attributes: { 'user.attr': 'kept' } }).end();
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes).toEqual({
      'user.attr': 'kept',
      [ATTR_FERRET_SAMPLING_PROBABILITY]: 1,
      'sampler.type': 'ratelimiting',
      'sampler.param': 1,
    });
  });

  it("carries Jaeger's sampler.type and sampler.param (the shared bucket's rate), and only on roots", () => {
    const bucket = new TokenBucket({ ratePerSecond: 2.5, capacity: 3, clock: () => 0 });
    const sampler = new RateLimitingSampler({ bucket, clock: () => 0 });
    const result = sampler.shouldSample(ROOT_CONTEXT, TRACE_ID, 'op', SpanKind.SERVER, {}, []);
    expect(result.attributes).toEqual({
      [ATTR_FERRET_SAMPLING_PROBABILITY]: 1,
      [ATTR_SAMPLER_TYPE]: SAMPLER_TYPE_RATELIMITING,
      [ATTR_SAMPLER_PARAM]: 2.5,
    });
    expect(Object.isFrozen(result.attributes)).toBe(true);
    // The same frozen result is reused while the probability is unchanged.
    expect(sampler.shouldSample(ROOT_CONTEXT, TRACE_ID, 'op', SpanKind.SERVER, {}, [])).toBe(
      result,
    );
  });
});

describe('createRateLimitedSampler parent-based behaviour', () => {
  function setup(burst: number) {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      sampler: createRateLimitedSampler({ maxTracesPerSecond: 1, burst, clock: () => 0 }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('test');
    const child = (parent: Span, name: string) =>
      tracer.startSpan(name, {}, trace.setSpan(ROOT_CONTEXT, parent));
    return { exporter, tracer, child };
  }

  it('samples children of a sampled parent even with an empty bucket, without spending tokens', () => {
    const { exporter, tracer, child } = setup(2);
    const root = tracer.startSpan('root-1');
    const kids = Array.from({ length: 5 }, (_, i) => child(root, `child-${i}`));
    const grandchild = child(kids[0]!, 'grandchild');
    const root2 = tracer.startSpan('root-2'); // takes the second (last) token
    const root3 = tracer.startSpan('root-3'); // bucket empty
    const lateChild = child(root, 'late-child'); // parent sampled: still sampled
    for (const span of [...kids, grandchild, lateChild, root, root2, root3]) span.end();
    expect(root3.isRecording()).toBe(false);
    const names = exporter
      .getFinishedSpans()
      .map((s) => s.name)
      .sort();
    expect(names).toEqual(
      [
        'child-0',
        'child-1',
        'child-2',
        'child-3',
        'child-4',
        'grandchild',
        'late-child',
        'root-1',
        'root-2',
      ].sort(),
    );
    const childSpan = exporter.getFinishedSpans().find((s) => s.name === 'child-0');
    expect(childSpan?.attributes[ATTR_FERRET_SAMPLING_PROBABILITY]).toBeUndefined();
  });

  it('does not record children of an unsampled parent even with tokens left', () => {
    const { exporter, tracer, child } = setup(1);
    tracer.startSpan('root-1').end(); // spends the only token
    const dropped = tracer.startSpan('root-2');
    const kid = child(dropped, 'child-of-dropped');
    expect(dropped.isRecording()).toBe(false);
    expect(kid.isRecording()).toBe(false);
    expect(kid.spanContext().traceId).toBe(dropped.spanContext().traceId);
    expect(kid.spanContext().traceFlags & TraceFlags.SAMPLED).toBe(0);
    kid.end();
    dropped.end();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['root-1']);
  });

  it('honours remote parents: sampled → sampled with an empty bucket, unsampled → dropped with tokens', () => {
    const { exporter, tracer } = setup(1);
    const remote = (flags: TraceFlags) =>
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId: TRACE_ID,
        spanId: 'b7ad6b7169203331',
        traceFlags: flags,
        isRemote: true,
      });
    const unsampledRemote = tracer.startSpan(
      'from-unsampled',
      { kind: SpanKind.SERVER },
      remote(TraceFlags.NONE),
    );
    expect(unsampledRemote.isRecording()).toBe(false);
    tracer.startSpan('root').end(); // the token was still there: the unsampled parent did not spend it
    const sampledRemote = tracer.startSpan(
      'from-sampled',
      { kind: SpanKind.SERVER },
      remote(TraceFlags.SAMPLED),
    );
    expect(sampledRemote.isRecording()).toBe(true);
    sampledRemote.end();
    unsampledRemote.end();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['root', 'from-sampled']);
  });
});

describe('ferret.sampler.decisions', () => {
  afterEach(() => {
    metrics.disable();
  });

  it('counts sampled and dropped roots on the given MeterProvider', async () => {
    const reader = new DecisionMetricReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const sampler = new RateLimitingSampler({
      maxTracesPerSecond: 1,
      burst: 3,
      clock: () => 0,
      meterProvider,
    });
    for (let i = 0; i < 10; i++) decide(sampler);
    expect(await reader.decisions()).toEqual({ sampled: 3, dropped: 7, found: true });
    for (let i = 0; i < 5; i++) decide(sampler);
    expect(await reader.decisions()).toEqual({ sampled: 3, dropped: 12, found: true });
  });

  it('adds up several samplers on one provider, and does not count parent-based children', async () => {
    const reader = new DecisionMetricReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const a = new RateLimitingSampler({
      maxTracesPerSecond: 1,
      burst: 1,
      clock: () => 0,
      meterProvider,
    });
    const b = new RateLimitingSampler({
      maxTracesPerSecond: 1,
      burst: 2,
      clock: () => 0,
      meterProvider,
    });
    for (let i = 0; i < 4; i++) {
      decide(a);
      decide(b);
    }
    expect(await reader.decisions()).toEqual({ sampled: 3, dropped: 5, found: true });

    const tracer = new BasicTracerProvider({
      sampler: createRateLimitedSampler({
        maxTracesPerSecond: 1,
        burst: 1,
        clock: () => 0,
        meterProvider,
      }),
    }).getTracer('t');
    const root = tracer.startSpan('root');
    tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root)).end();
    root.end();
    expect(await reader.decisions()).toEqual({ sampled: 4, dropped: 5, found: true });
  });

  it('uses the global MeterProvider registered after construction (as NodeSDK.start() does)', async () => {
    const sampler = new RateLimitingSampler({ maxTracesPerSecond: 1, burst: 1, clock: () => 0 });
    const reader = new DecisionMetricReader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    decide(sampler);
    decide(sampler);
    expect(await reader.decisions()).toEqual({ sampled: 1, dropped: 1, found: true });
  });
});

describe('empty-bucket fast path (default clock)', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('drops roots without reading the clock until a token can be due, then samples again', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const now = vi.spyOn(performance, 'now');
    const sampler = new RateLimitingSampler({ maxTracesPerSecond: 10, burst: 1 });
    expect(decide(sampler).decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    now.mockClear();
    for (let i = 0; i < 200; i++)
      expect(decide(sampler).decision).toBe(SamplingDecision.NOT_RECORD);
    expect(now.mock.calls.length).toBeLessThan(5);
    vi.advanceTimersByTime(100); // the next token is due: the timer reopens the gate
    expect(decide(sampler).decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    // the completed slot holds 1 sampled + 200 dropped: fast-path drops are counted too
    expect(sampler.probability).toBeCloseTo(1 / 201, 10);
  });

  it('reads the clock again after a bounded number of drops even if timers cannot run', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const sampler = new RateLimitingSampler({ maxTracesPerSecond: 10, burst: 1 });
    decide(sampler);
    decide(sampler); // empty: gate closes
    // Time passes but the event loop is blocked: move the clock without firing timers.
    const base = performance.now();
    vi.spyOn(performance, 'now').mockImplementation(() => base + 150);
    let drops = 0;
    while (decide(sampler).decision === SamplingDecision.NOT_RECORD) drops++;
    expect(drops).toBeLessThanOrEqual(256);
  });
});

describe('RateLimitingSampler bounds', () => {
  /** A shared bucket that refuses `refusals` takes, then grants one. */
  function bucketRefusing(refusals: number): RateBucket {
    let left = refusals;
    return {
      ratePerSecond: 1,
      capacity: 1,
      tryTake: () => left-- <= 0,
      retryAfterMs: () => 1e12,
      forceTake: () => {},
      available: () => 0,
      reset: () => {},
      setRate: () => {},
    };
  }

  it('a sampled root stands for at most 2^20 roots: probability and tracestate never below 2^-20', () => {
    for (const [drops, expected] of [
      [2 ** 20 - 1, 2 ** -20], // exactly the bound: still exact
      [2 ** 20 + 10, 2 ** -20], // beyond it: capped
    ] as const) {
      const sampler = new RateLimitingSampler({ bucket: bucketRefusing(drops), clock: () => 0 });
      for (let i = 0; i < drops; i++) decide(sampler);
      const sampled = decide(sampler);
      expect(sampled.decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
      expect(probabilityOf(sampled)).toBe(expected);
      // The tracestate (8 significant digits) reads back as a valid weight, at most 2^20.
      const weight = traceStateWeight((key) => sampled.traceState?.get(key));
      expect(weight).toBeLessThanOrEqual(2 ** 20);
      expect(weight).toBeCloseTo(2 ** 20, -1);
    }
  });

  it("the gate's timer waits at most one window slot, whatever a shared bucket asks", () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    try {
      // No injected clock: the gate (and its timer) is on.
      const sampler = new RateLimitingSampler({ bucket: bucketRefusing(Number.POSITIVE_INFINITY) });
      decide(sampler);
      expect(setTimeoutSpy).toHaveBeenCalledTimes(1);
      const delay = setTimeoutSpy.mock.calls[0]![1]!;
      expect(delay).toBeGreaterThanOrEqual(1);
      expect(delay).toBeLessThanOrEqual(100);
      clearTimeout(setTimeoutSpy.mock.results[0]!.value as ReturnType<typeof setTimeout>);
    } finally {
      setTimeoutSpy.mockRestore();
    }
  });
});
