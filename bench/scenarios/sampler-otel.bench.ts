// @ferret/sampler-otel: what the rate-limiting sampler adds to an OpenTelemetry span.
// startSpan() + end() through ParentBased(RateLimitingSampler) against the same through the
// SDK's own ParentBased(TraceIdRatioBased) (both sampling everything: the bucket is never
// empty), and with an empty bucket against ParentBased(AlwaysOffSampler).
import { createRateLimitedSampler, RateLimitingSampler } from '@ferret/sampler-otel';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { quick, scenario } from '../harness.js';

function tracerWith(sampler: Sampler) {
  return new BasicTracerProvider({ sampler }).getTracer('bench');
}

await scenario('sampler-otel: RateLimitingSampler in startSpan() + end()', (report) => {
  const ratio = tracerWith(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(1) }));
  // A budget the benchmark can never exhaust: every root is sampled, as with ratio 1.
  const underBudget = tracerWith(
    createRateLimitedSampler({ maxTracesPerSecond: 1e9, burst: Number.MAX_SAFE_INTEGER }),
  );
  const off = tracerWith(new ParentBasedSampler({ root: new AlwaysOffSampler() }));
  // One trace per 1000 s: after the first root the bucket stays empty for the whole run.
  const emptySampler = createRateLimitedSampler({ maxTracesPerSecond: 0.001, burst: 1 });
  const empty = tracerWith(emptySampler);
  empty.startSpan('drain').end();
  if (empty.startSpan('check').isRecording()) throw new Error('bucket should be empty');

  // Each goal's pair is timed on its own, so the garbage of the sampled spans (a span object
  // each) does not land in the timings of the unsampled pair. More samples than the default:
  // a sampled span costs 1-2 µs, mostly allocation, and garbage collection makes it noisy.
  // Garbage is collected before every sample, so each one starts from an empty young
  // generation and a scavenge triggered by one case's spans is not charged to the other.
  const pairTiming = { samples: quick ? 9 : 101, gcBetweenSamples: true };
  const sampled = report.timeSync(
    {
      'anchor:ParentBased(TraceIdRatioBased(1)) startSpan+end': () => ratio.startSpan('op').end(),
      'ParentBased(RateLimitingSampler) under budget startSpan+end': () =>
        underBudget.startSpan('op').end(),
    },
    pairTiming,
  );
  const dropped = report.timeSync(
    {
      'anchor:ParentBased(AlwaysOff) startSpan+end': () => off.startSpan('op').end(),
      'ParentBased(RateLimitingSampler) empty bucket startSpan+end': () =>
        empty.startSpan('op').end(),
    },
    pairTiming,
  );
  report.ratio(
    'rate-limited / TraceIdRatioBased, startSpan+end, sampled',
    sampled['ParentBased(RateLimitingSampler) under budget startSpan+end']!,
    sampled['ParentBased(TraceIdRatioBased(1)) startSpan+end']!,
    '<=',
    1.1,
  );
  report.ratio(
    'rate-limited (empty bucket) / AlwaysOff, startSpan+end',
    dropped['ParentBased(RateLimitingSampler) empty bucket startSpan+end']!,
    dropped['ParentBased(AlwaysOff) startSpan+end']!,
    '<=',
    1.1,
  );

  // The decision alone, for reference (not goals): shouldSample() on a root context.
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const decide = (s: Sampler) => () =>
    s.shouldSample(ROOT_CONTEXT, traceId, 'op', SpanKind.SERVER, {}, []);
  const emptyRoot = new RateLimitingSampler({ maxTracesPerSecond: 0.001, burst: 1 });
  decide(emptyRoot)();
  report.timeSync({
    'anchor:TraceIdRatioBased(1).shouldSample': decide(new TraceIdRatioBasedSampler(1)),
    'RateLimitingSampler.shouldSample under budget': decide(
      new RateLimitingSampler({ maxTracesPerSecond: 1e9, burst: Number.MAX_SAFE_INTEGER }),
    ),
    'anchor:AlwaysOffSampler.shouldSample': decide(new AlwaysOffSampler()),
    'RateLimitingSampler.shouldSample empty bucket': decide(emptyRoot),
  });
  report.note(
    'Under budget the sampled result object (probability 1) is reused, so a decision allocates nothing; with an empty bucket most roots are dropped without a clock read (a timer reopens the check when the next token is due, and at most 256 roots pass unchecked).',
  );
});
