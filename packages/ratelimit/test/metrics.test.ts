import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type DataPoint,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyedRateLimiter } from '../src/KeyedRateLimiter.js';
import { RateLimiter } from '../src/RateLimiter.js';
import { reportRateLimitMetrics } from '../src/RateLimitMetrics.js';
import { SlidingWindowLimiter } from '../src/SlidingWindowLimiter.js';

/** A pull reader that keeps everything in memory: collect() on demand. */
class InMemoryReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** `{ key: value }` of one metric's data points. */
function points(resource: ResourceMetrics, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const scope of resource.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const point of metric.dataPoints as DataPoint<number>[])
        out[String(point.attributes.key)] = point.value;
    }
  }
  return out;
}

afterEach(() => {
  metrics.disable();
});

describe('OpenTelemetry metrics', () => {
  it('reports requests and limited per key through a registered global MeterProvider', async () => {
    const reader = new InMemoryReader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    const limiter = new KeyedRateLimiter({ ratePerSecond: 1, capacity: 2, clock: () => 0 });
    for (let i = 0; i < 5; i++) limiter.check('alice');
    limiter.check('bob');
    const { resourceMetrics, errors } = await reader.collect();
    expect(errors).toEqual([]);
    expect(points(resourceMetrics, 'ferret.ratelimit.requests')).toMatchObject({
      alice: 5,
      bob: 1,
    });
    expect(points(resourceMetrics, 'ferret.ratelimit.limited')).toMatchObject({ alice: 3, bob: 0 });
    // cumulative: later checks add up
    limiter.check('bob');
    limiter.check('bob');
    const second = await reader.collect();
    expect(points(second.resourceMetrics, 'ferret.ratelimit.requests')).toMatchObject({
      alice: 5,
      bob: 3,
    });
    expect(points(second.resourceMetrics, 'ferret.ratelimit.limited')).toMatchObject({ bob: 1 });
  });

  it('reports RateLimiter (under its name) and SlidingWindowLimiter keys too', async () => {
    const reader = new InMemoryReader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    const outbound = new RateLimiter({ requestsPerSecond: 1, name: 'github-api', clock: () => 0 });
    outbound.tryAcquire();
    outbound.tryAcquire();
    const logins = new SlidingWindowLimiter({ limit: 1, windowMs: 1000, clock: () => 0 });
    logins.check('login:carol');
    logins.check('login:carol');
    const { resourceMetrics } = await reader.collect();
    expect(points(resourceMetrics, 'ferret.ratelimit.requests')).toMatchObject({
      'github-api': 2,
      'login:carol': 2,
    });
    expect(points(resourceMetrics, 'ferret.ratelimit.limited')).toMatchObject({
      'github-api': 1,
      'login:carol': 1,
    });
  });

  it('limiters built before a provider was registered are reported after reportRateLimitMetrics()', async () => {
    const early = new KeyedRateLimiter({ ratePerSecond: 1, clock: () => 0 });
    early.check('early-key');
    const reader = new InMemoryReader();
    const provider = new MeterProvider({ readers: [reader] });
    expect(reportRateLimitMetrics(provider)).toBe(true);
    const { resourceMetrics } = await reader.collect();
    expect(points(resourceMetrics, 'ferret.ratelimit.requests')).toMatchObject({ 'early-key': 1 });
    reportRateLimitMetrics(); // back to following the global provider
  });

  it('metrics: false keeps a limiter out of the export', async () => {
    const reader = new InMemoryReader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    const hidden = new KeyedRateLimiter({ ratePerSecond: 1, clock: () => 0, metrics: false });
    hidden.check('hidden-key');
    const { resourceMetrics } = await reader.collect();
    expect(points(resourceMetrics, 'ferret.ratelimit.requests')).not.toHaveProperty('hidden-key');
  });
});
