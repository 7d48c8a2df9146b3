import {
  type Context,
  createTraceState,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SamplingDecision,
  type SamplingResult,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConsistentRateLimitingSampler } from '../src/ConsistentRateLimitingSampler.js';
import { adjustedCount, parseOtValue } from '../src/index.js';
import { ManualClock } from './support/ManualClock.js';

/** Deterministic trace ids: a 32-bit LCG spread over 32 hex digits. */
function traceIds(seed: number): () => string {
  let state = seed >>> 0;
  const word = (): string => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state.toString(16).padStart(8, '0');
  };
  return () => word() + word() + word() + word();
}

function decideRoot(
  sampler: ConsistentRateLimitingSampler,
  traceId: string,
  context: Context = ROOT_CONTEXT,
): SamplingResult {
  return sampler.shouldSample(context, traceId, 'op', SpanKind.SERVER, {}, []);
}

function withParent(traceId: string, sampled: boolean, traceState?: string): Context {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId: '00f067aa0ba902b7',
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
    traceState: traceState === undefined ? undefined : createTraceState(traceState),
  });
}

describe('ConsistentRateLimitingSampler roots', () => {
  it('samples everything under the target, with th:0 and probability 1', () => {
    const clock = new ManualClock();
    const sampler = new ConsistentRateLimitingSampler({
      targetTracesPerSecond: 10,
      clock: clock.now,
    });
    const next = traceIds(1);
    for (let i = 0; i < 20; i++) {
      clock.advance(500); // 2 roots/s against 10/s
      const result = decideRoot(sampler, next());
      expect(result.decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
      expect(result.traceState?.get('ot')).toBe('th:0');
      expect(result.attributes).toEqual({
        'ferret.sampling.probability': 1,
        'sampler.type': 'consistent_ratelimiting',
        'sampler.param': 10,
      });
    }
  });

  it('raises the threshold so that sampled traces per second approach the target (soft)', () => {
    const clock = new ManualClock();
    const sampler = new ConsistentRateLimitingSampler({
      targetTracesPerSecond: 20,
      clock: clock.now,
    });
    const next = traceIds(7);
    let sampled = 0;
    let weighted = 0;
    for (let i = 0; i < 10_000; i++) {
      clock.advance(1); // 1,000 roots/s for 10 s
      const result = decideRoot(sampler, next());
      if (i < 2_000) continue; // adaptation
      if (result.decision === SamplingDecision.RECORD_AND_SAMPLED) {
        sampled++;
        const ot = parseOtValue(result.traceState?.get('ot'));
        expect(ot.threshold).toBeDefined();
        weighted += adjustedCount(ot.threshold!)!;
        expect(1 / (result.attributes?.['ferret.sampling.probability'] as number)).toBeCloseTo(
          adjustedCount(ot.threshold!)!,
          6,
        );
      }
    }
    // 8 s at a target of 20/s: 160 expected; a soft target, within ±25%.
    expect(sampled).toBeGreaterThan(120);
    expect(sampled).toBeLessThan(200);
    // The adjusted counts estimate the 8,000 roots seen.
    expect(weighted).toBeGreaterThan(8_000 * 0.75);
    expect(weighted).toBeLessThan(8_000 * 1.25);
    expect(sampler.probability).toBeCloseTo(0.02, 2);
  });

  it('writes a th whose adjusted count is exactly 1 / its probability attribute, at any traffic', () => {
    let seen = 0;
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 1e7, noNaN: true }),
        fc.double({ min: 0.01, max: 1e4, noNaN: true }),
        (rootsPerSecond, target) => {
          const clock = new ManualClock();
          const sampler = new ConsistentRateLimitingSampler({
            targetTracesPerSecond: target,
            clock: clock.now,
          });
          const next = traceIds(Math.floor(rootsPerSecond));
          for (let i = 0; i < 2_000; i++) {
            clock.advance(1000 / rootsPerSecond);
            const result = decideRoot(sampler, next());
            if (result.decision !== SamplingDecision.RECORD_AND_SAMPLED) continue;
            const th = result.traceState!.get('ot')!.slice('th:'.length);
            const p = result.attributes?.['ferret.sampling.probability'] as number;
            expect(adjustedCount(th)).toBe(1 / p);
            seen++;
          }
        },
      ),
      { numRuns: 30 },
    );
    expect(seen).toBeGreaterThan(1_000);
  });

  it('follows a spike and a fall: the figures of the docs\' "After traffic changes"', () => {
    // Expected sampled traces per second: the sum of the probabilities the decisions used.
    const perSecond = (adaptationTimeMs: number, phases: [number, number][]): number[][] => {
      const clock = new ManualClock();
      const sampler = new ConsistentRateLimitingSampler({
        targetTracesPerSecond: 10,
        adaptationTimeMs,
        clock: clock.now,
      });
      const next = traceIds(11);
      return phases.map(([rootsPerSecond, seconds]) =>
        Array.from({ length: seconds }, () => {
          let expected = 0;
          for (let i = 0; i < rootsPerSecond; i++) {
            clock.advance(1000 / rootsPerSecond);
            decideRoot(sampler, next());
            expected += sampler.probability;
          }
          return expected;
        }),
      );
    };
    // Within 0.1 of the figures the docs print (one decimal, rounded further in the table).
    const near = (actual: number[][], printed: number[][]): void => {
      expect(actual.map((row) => row.length)).toEqual(printed.map((row) => row.length));
      const flat = printed.flat();
      actual.flat().forEach((value, i) => {
        expect(Math.abs(value - flat[i]!), `value ${i}: ${value}`).toBeLessThan(0.1);
      });
    };
    const spikeThenFall: [number, number][] = [
      [1000, 3],
      [10_000, 3],
      [100, 8],
    ];
    near(perSecond(1000, spikeThenFall), [
      [52, 13.1, 10.9],
      [29.4, 12.7, 10.8],
      [0.7, 5, 6.6, 6.7, 6.7, 7.3, 8.7, 9.5],
    ]);
    near(perSecond(250, spikeThenFall), [
      [22, 10, 10],
      [15.6, 10, 9.9],
      [4.8, 8, 9.9, 10, 10, 10, 10, 10],
    ]);
    const tenfoldFall: [number, number][] = [
      [1000, 3],
      [100, 5],
    ];
    near(perSecond(1000, tenfoldFall).slice(1), [[3.2, 6.4, 6.7, 7.9, 9.1]]);
    near(perSecond(250, tenfoldFall).slice(1), [[6.1, 9.6, 10, 10, 10]]);
  });

  it('is consistent: a trace sampled at a higher threshold is sampled at every lower one', () => {
    const busy = new ManualClock();
    const quiet = new ManualClock();
    const strict = new ConsistentRateLimitingSampler({ targetTracesPerSecond: 5, clock: busy.now });
    const lenient = new ConsistentRateLimitingSampler({
      targetTracesPerSecond: 50,
      clock: quiet.now,
    });
    const next = traceIds(3);
    let strictSampled = 0;
    for (let i = 0; i < 5_000; i++) {
      busy.advance(1);
      quiet.advance(1);
      const id = next();
      const a = decideRoot(strict, id).decision === SamplingDecision.RECORD_AND_SAMPLED;
      const b = decideRoot(lenient, id).decision === SamplingDecision.RECORD_AND_SAMPLED;
      if (i > 2_000 && a) {
        strictSampled++;
        expect(b).toBe(true);
      }
    }
    expect(strictSampled).toBeGreaterThan(0);
  });

  it('uses an incoming rv instead of the trace id, and keeps it and the other sub-keys', () => {
    const clock = new ManualClock();
    const sampler = new ConsistentRateLimitingSampler({
      targetTracesPerSecond: 1,
      clock: clock.now,
    });
    for (let i = 0; i < 2_000; i++) {
      clock.advance(1);
      decideRoot(sampler, traceIds(i)());
    }
    expect(sampler.probability).toBeLessThan(0.01);
    // An invalid parent span context can still carry tracestate (e.g. from a propagator).
    const carrying = (ts: string) =>
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId: '00000000000000000000000000000000',
        spanId: '0000000000000000',
        traceFlags: TraceFlags.NONE,
        traceState: createTraceState(ts),
      });
    const lowTraceId = '0af7651916cd43dd8400000000000000';
    const high = decideRoot(sampler, lowTraceId, carrying('ot=rv:ffffffffffffff;zz:1,vendor=x'));
    expect(high.decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    const ot = parseOtValue(high.traceState?.get('ot'));
    expect(ot).toMatchObject({ randomness: 'ffffffffffffff', rest: ['zz:1'], erased: false });
    expect(ot.threshold).toBeDefined();
    expect(high.traceState?.get('vendor')).toBe('x');
    const highTraceId = '0af7651916cd43dd84ffffffffffffff';
    expect(decideRoot(sampler, highTraceId, carrying('ot=rv:00000000000000')).decision).toBe(
      SamplingDecision.NOT_RECORD,
    );
  });

  it('drops a root with a malformed trace id instead of throwing', () => {
    const sampler = new ConsistentRateLimitingSampler();
    expect(decideRoot(sampler, 'zz').decision).toBe(SamplingDecision.NOT_RECORD);
  });
});

describe('ConsistentRateLimitingSampler children', () => {
  const sampler = new ConsistentRateLimitingSampler({ targetTracesPerSecond: 1 });
  const traceId = '0af7651916cd43dd84c0000000000000'; // randomness c0000000000000
  const child = (context: Context) =>
    sampler.shouldSample(context, traceId, 'child', SpanKind.INTERNAL, {}, []);

  it('follow a sampled parent and keep its valid th untouched (no new tracestate)', () => {
    const result = child(withParent(traceId, true, 'ot=th:8,vendor=x'));
    expect(result.decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(result.traceState).toBeUndefined(); // the SDK keeps the parent's
  });

  it('follow an unsampled parent', () => {
    expect(child(withParent(traceId, false)).decision).toBe(SamplingDecision.NOT_RECORD);
  });

  it.each([
    ['ot=th:f', true, 'th the randomness contradicts'],
    ['ot=th:8', false, 'th on an unsampled parent'],
    ['ot=th:8;th:4', true, 'duplicate th'],
    ['ot=th:XYZ;rv:c0000000000000', true, 'bad hex'],
  ])('erase %s (%s: %s), keeping the decision and the other entries', (ts, sampled, _why) => {
    const result = child(withParent(traceId, sampled as boolean, `${ts},vendor=x`));
    expect(result.decision).toBe(
      sampled ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD,
    );
    expect(parseOtValue(result.traceState?.get('ot')).threshold).toBeUndefined();
    expect(result.traceState?.get('vendor')).toBe('x');
  });

  it('remove an ot entry that is malformed or too long', () => {
    for (const ts of ['ot=th:8;', `ot=zz:${'a'.repeat(253)}`]) {
      const result = child(withParent(traceId, true, ts));
      expect(result.decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
      expect(result.traceState?.get('ot')).toBeUndefined();
    }
  });
});

describe('across services', () => {
  it('a sampled root in one service propagates th, and the next service records the child', () => {
    const propagator = new W3CTraceContextPropagator();
    const exporterA = new InMemorySpanExporter();
    const exporterB = new InMemorySpanExporter();
    const serviceA = new BasicTracerProvider({
      sampler: new ConsistentRateLimitingSampler({ targetTracesPerSecond: 100 }),
      spanProcessors: [new SimpleSpanProcessor(exporterA)],
    }).getTracer('a');
    const serviceB = new BasicTracerProvider({
      sampler: new ConsistentRateLimitingSampler({ targetTracesPerSecond: 1 }),
      spanProcessors: [new SimpleSpanProcessor(exporterB)],
    }).getTracer('b');
    const root = serviceA.startSpan('GET /orders');
    const headers: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, root), headers, defaultTextMapSetter);
    expect(headers.tracestate).toBe('ot=th:0');
    const incoming = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    serviceB.startSpan('db.query', {}, incoming).end();
    root.end();
    const [remoteChild] = exporterB.getFinishedSpans();
    expect(remoteChild?.spanContext().traceId).toBe(root.spanContext().traceId);
    expect(remoteChild?.spanContext().traceState?.get('ot')).toBe('th:0');
    expect(exporterA.getFinishedSpans()).toHaveLength(1);
  });

  it('toString and option checks', () => {
    expect(String(new ConsistentRateLimitingSampler({ targetTracesPerSecond: 5 }))).toBe(
      'ConsistentRateLimitingSampler{targetTracesPerSecond=5, adaptationTimeMs=1000}',
    );
    expect(() => new ConsistentRateLimitingSampler({ targetTracesPerSecond: 0 })).toThrow(
      /targetTracesPerSecond/,
    );
    expect(() => new ConsistentRateLimitingSampler({ adaptationTimeMs: Number.NaN })).toThrow(
      RangeError,
    );
    expect(() => new ConsistentRateLimitingSampler({ clock: 5 as never })).toThrow(TypeError);
  });
});
