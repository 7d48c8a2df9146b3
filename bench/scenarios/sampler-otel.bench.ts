// @ferret/sampler-otel: what the rate-limiting sampler adds to an OpenTelemetry span.
// startSpan() + end() through ParentBased(RateLimitingSampler) against the same through
// ParentBased(a constant sampler that samples every root and tags it with one attribute, as
// Jaeger-style samplers tag theirs with `sampler.type`): both sample everything (the bucket is
// never empty) and both put attributes on the span. With an empty bucket, against
// ParentBased(AlwaysOffSampler).
import { createRateLimitedSampler, RateLimitingSampler } from '@ferret/sampler-otel';
import { createTraceState, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { quick, scenario } from '../harness.js';

/**
 * The anchor of the sampled path: the least a sampler that tags its decision can do. One result
 * object, built once, says RECORD_AND_SAMPLED with one attribute; the SDK copies that attribute
 * onto each span, the same work it does for Jaeger's `sampler.type`/`sampler.param`.
 */
const SAMPLED_WITH_ONE_ATTRIBUTE: SamplingResult = Object.freeze({
  decision: SamplingDecision.RECORD_AND_SAMPLED,
  attributes: Object.freeze({ 'sampler.type': 'const' }),
});
const constantTaggingSampler: Sampler = {
  shouldSample: () => SAMPLED_WITH_ONE_ATTRIBUTE,
  toString: () => 'ConstantSampler{sampler.type=const}',
};

/**
 * A reference, not a goal's anchor: a constant sampler whose result carries what the rate-limited
 * sampler's sampled result carries (the three attributes and the `ferret=p:1` tracestate). The
 * rate-limited sampler over it is the cost of its own decision; the constant one-attribute
 * anchor over it is what the SDK charges for the two extra attributes.
 */
const SAMPLED_LIKE_RATE_LIMITED: SamplingResult = Object.freeze({
  decision: SamplingDecision.RECORD_AND_SAMPLED,
  attributes: Object.freeze({
    'ferret.sampling.probability': 1,
    'sampler.type': 'ratelimiting',
    'sampler.param': 1e9,
  }),
  traceState: createTraceState().set('ferret', 'p:1'),
});
const constantLikeRateLimited: Sampler = {
  shouldSample: () => SAMPLED_LIKE_RATE_LIMITED,
  toString: () => 'ConstantSampler{same attributes as RateLimitingSampler}',
};

function tracerWith(sampler: Sampler) {
  return new BasicTracerProvider({ sampler }).getTracer('bench');
}

await scenario('sampler-otel: RateLimitingSampler in startSpan() + end()', (report) => {
  const constant = tracerWith(new ParentBasedSampler({ root: constantTaggingSampler }));
  const constantThree = tracerWith(new ParentBasedSampler({ root: constantLikeRateLimited }));
  // A budget the benchmark can never exhaust: every root is sampled, as by the constant sampler.
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
  // The young generation is scavenged before every sample, so each one starts empty and a
  // scavenge triggered by one case's spans is not charged to another (a scavenge only: a full
  // collection would deoptimize the code under test before every sample).
  const pairTiming = { samples: quick ? 9 : 101, gcBetweenSamples: true };
  const sampled = report.timeSync(
    {
      'anchor:ParentBased(constant sampler, one attribute) startSpan+end': () =>
        constant.startSpan('op').end(),
      'ParentBased(RateLimitingSampler) under budget startSpan+end': () =>
        underBudget.startSpan('op').end(),
      'anchor:ParentBased(constant sampler, the same 3 attributes + tracestate) startSpan+end':
        () => constantThree.startSpan('op').end(),
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
    'rate-limited / constant sampler with one attribute, startSpan+end, sampled',
    sampled['ParentBased(RateLimitingSampler) under budget startSpan+end']!,
    sampled['ParentBased(constant sampler, one attribute) startSpan+end']!,
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
    'anchor:constant sampler (one attribute).shouldSample': decide(constantTaggingSampler),
    'anchor:TraceIdRatioBased(1).shouldSample': decide(new TraceIdRatioBasedSampler(1)),
    'RateLimitingSampler.shouldSample under budget': decide(
      new RateLimitingSampler({ maxTracesPerSecond: 1e9, burst: Number.MAX_SAFE_INTEGER }),
    ),
    'anchor:AlwaysOffSampler.shouldSample': decide(new AlwaysOffSampler()),
    'RateLimitingSampler.shouldSample empty bucket': decide(emptyRoot),
  });
  const rateLimited = sampled['ParentBased(RateLimitingSampler) under budget startSpan+end']!;
  const sameAttributes =
    sampled['ParentBased(constant sampler, the same 3 attributes + tracestate) startSpan+end']!;
  const oneAttribute = sampled['ParentBased(constant sampler, one attribute) startSpan+end']!;
  report.note(
    `Where the sampled path's ratio comes from: rate-limited ÷ a constant sampler with the same three attributes and tracestate = ${(rateLimited / sameAttributes).toFixed(2)} (the decision: a clock read and a token); that constant sampler ÷ the one-attribute anchor = ${(sameAttributes / oneAttribute).toFixed(2)} (what the SDK charges per span for copying and checking the two attributes beyond one, \`ferret.sampling.probability\` and \`sampler.param\`, which weights and #14's Jaeger tags need).`,
  );
  report.note(
    'The sampled-path anchor is a constant sampler whose one result object carries one attribute (`sampler.type`): the SDK copies it onto every span, as it copies the rate-limited sampler’s `ferret.sampling.probability`, `sampler.type` and `sampler.param`, which weights need. ' +
      'Under budget the sampled result object (probability 1) is reused, so a decision allocates nothing; with an empty bucket most roots are dropped without a clock read (a timer reopens the check when the next token is due, and at most 256 roots pass unchecked).',
  );
});
