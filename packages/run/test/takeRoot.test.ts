// ProfilerSampler.takeRoot: which root the last decision admitted, for the code that counts an
// HTTP server root under its route when the response ends (ServerRootCounts). A span that is a
// child (a local parent, or a remote parent of the same run) must not be taken: its trace's
// root was counted where it started.
import { Profiler } from '@ferret/profiler';
import { context, createTraceState, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { ProfilerSampler } from '../src/ProfilerSampler.js';
import { runTagOf } from '../src/runTag.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';
const profilers: Profiler[] = [];
afterEach(async () => {
  await Promise.all(profilers.splice(0).map((p) => p.close()));
});

function sampler(budget: number) {
  const profiler = new Profiler({ maxSpansPerSecond: budget, flushOnExit: false });
  profilers.push(profiler);
  return new ProfilerSampler(profiler, { runId: 'run-1' });
}

const remote = (traceState?: string) =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE,
    spanId: PARENT,
    traceFlags: 1,
    isRemote: true,
    ...(traceState === undefined ? {} : { traceState: createTraceState(traceState) }),
  });

describe('ProfilerSampler.takeRoot', () => {
  it('gives the name of the root just decided, sampled or not, once, and only for its trace', () => {
    for (const budget of [1000, 0]) {
      const s = sampler(budget);
      s.shouldSample(ROOT_CONTEXT, TRACE, 'GET', SpanKind.SERVER, {});
      expect(s.takeRoot('ffffffffffffffffffffffffffffffff')).toBeUndefined();
      expect(s.takeRoot(TRACE)).toBe('GET');
      expect(s.takeRoot(TRACE)).toBeUndefined();
    }
  });

  it('a root under a remote parent of another run (or none) is taken; one of the same run is a child', () => {
    const s = sampler(1000);
    s.shouldSample(remote('ferret=p:0.5'), TRACE, 'GET', SpanKind.SERVER, {});
    expect(s.takeRoot(TRACE)).toBe('GET');
    s.shouldSample(ROOT_CONTEXT, TRACE, 'GET', SpanKind.SERVER, {});
    const sameRun = `ferret=r:${runTagOf('run-1')}`;
    s.shouldSample(remote(sameRun), TRACE, 'GET', SpanKind.SERVER, {});
    expect(s.takeRoot(TRACE)).toBeUndefined();
  });

  it('a local child after a root clears it', () => {
    const s = sampler(1000);
    s.shouldSample(ROOT_CONTEXT, TRACE, 'GET', SpanKind.CLIENT, {});
    const parent = trace.setSpanContext(context.active(), {
      traceId: TRACE,
      spanId: PARENT,
      traceFlags: 1,
    });
    s.shouldSample(parent, TRACE, 'GET', SpanKind.SERVER, {});
    expect(s.takeRoot(TRACE)).toBeUndefined();
  });
});
