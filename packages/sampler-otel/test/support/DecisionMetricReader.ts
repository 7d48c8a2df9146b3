import { MetricReader } from '@opentelemetry/sdk-metrics';

/** A pull-only MetricReader whose `decisions()` sums `ferret.sampler.decisions` by decision. */
export class DecisionMetricReader extends MetricReader {
  async decisions(): Promise<{ sampled: number; dropped: number; found: boolean }> {
    const { resourceMetrics, errors } = await this.collect();
    if (errors.length > 0) throw errors[0];
    const out = { sampled: 0, dropped: 0, found: false };
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.descriptor.name !== 'ferret.sampler.decisions') continue;
        out.found = true;
        for (const point of metric.dataPoints) {
          const decision = point.attributes.decision;
          if (decision === 'sampled') out.sampled += point.value as number;
          else if (decision === 'dropped') out.dropped += point.value as number;
          else throw new Error(`unexpected decision attribute ${String(decision)}`);
        }
      }
    }
    return out;
  }

  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}
