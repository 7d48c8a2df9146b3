import { diag, type MeterProvider, type ObservableResult, ValueType } from '@opentelemetry/api';
import { ATTR_FERRET_SAMPLER_DECISION, METRIC_FERRET_SAMPLER_DECISIONS } from './semconv.js';
import { VERSION } from './version.js';

const SAMPLED_ATTRIBUTES = Object.freeze({ [ATTR_FERRET_SAMPLER_DECISION]: 'sampled' });
const DROPPED_ATTRIBUTES = Object.freeze({ [ATTR_FERRET_SAMPLER_DECISION]: 'dropped' });

/**
 * Running totals behind the `ferret.sampler.decisions` counter of one `MeterProvider`.
 *
 * A synchronous `Counter.add()` costs about 360 ns with the SDK's MeterProvider (it hashes the
 * attributes on every call), several times the rest of a sampling decision. So samplers only
 * bump two plain numbers here, and an asynchronous (observable) counter reports the totals
 * when a reader collects. Every sampler using the same provider shares one instance, so
 * several samplers add up instead of overwriting each other's observations.
 */
export class DecisionCounter {
  static readonly #byProvider = new WeakMap<MeterProvider, DecisionCounter>();

  /** Sampled root decisions so far. */
  sampled = 0;
  /** Dropped root decisions so far. */
  dropped = 0;

  private constructor(provider: MeterProvider) {
    try {
      const counter = provider
        .getMeter('@ferret/sampler-otel', VERSION)
        .createObservableCounter(METRIC_FERRET_SAMPLER_DECISIONS, {
          description: 'Root span sampling decisions made by RateLimitingSampler',
          unit: '{decision}',
          valueType: ValueType.INT,
        });
      counter.addCallback((result: ObservableResult) => {
        result.observe(this.sampled, SAMPLED_ATTRIBUTES);
        result.observe(this.dropped, DROPPED_ATTRIBUTES);
      });
    } catch (error) {
      // A broken MeterProvider must not break tracing: keep counting, report nothing.
      diag.warn(`@ferret/sampler-otel: cannot register ${METRIC_FERRET_SAMPLER_DECISIONS}`, error);
    }
  }

  /** The shared counter of `provider`, created (and its instrument registered) on first use. */
  static forProvider(provider: MeterProvider): DecisionCounter {
    let counter = DecisionCounter.#byProvider.get(provider);
    if (counter === undefined) {
      counter = new DecisionCounter(provider);
      DecisionCounter.#byProvider.set(provider, counter);
    }
    return counter;
  }
}
