import { FERRET_TRACESTATE_KEY, ferretTraceStateValue } from '@ferret/internal';
import type { Profiler } from '@ferret/profiler';
import {
  type Attributes,
  type Context,
  createTraceState,
  isSpanContextValid,
  trace,
} from '@opentelemetry/api';
import { type Sampler, SamplingDecision, type SamplingResult } from '@opentelemetry/sdk-trace-base';

/** The attribute the store reads a sampled root's weight from (its inverse). */
const SAMPLING_PROBABILITY = 'ferret.sampling.probability';

const DROP: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });
const SAMPLED_CHILD: SamplingResult = Object.freeze({
  decision: SamplingDecision.RECORD_AND_SAMPLED,
});

/**
 * An OpenTelemetry `Sampler` that spends the budget of a Ferret {@link Profiler}: one bucket for
 * library spans and `measure()` blocks, not two that add up.
 *
 * - a root span asks the profiler as if it were a `measure()` root of that name
 *   (`profiler.admitExternalRoot`): fair share per name, the same token bucket, and the call is
 *   counted in the profiler's count records, so root calls stay exact; a sampled root carries
 *   `ferret.sampling.probability = 1 / weight` and the same value in its tracestate
 *   (`ferret=p:`), which its children inherit, so the store gives every span the trace's weight;
 * - a child of a sampled parent is sampled and charged to the bucket as debt
 *   (`profiler.chargeExternalChild`), exactly like a `measure()` child, so traces stay whole;
 * - a child of a dropped parent is dropped.
 */
export class ProfilerSampler implements Sampler {
  readonly #profiler: Profiler;
  readonly #weights = new Map<number, SamplingResult>();

  constructor(profiler: Profiler) {
    this.#profiler = profiler;
  }

  shouldSample(
    context: Context,
    _traceId: string,
    spanName: string,
    _spanKind: unknown,
    _attributes: Attributes,
  ): SamplingResult {
    const parent = trace.getSpanContext(context);
    if (parent !== undefined && isSpanContextValid(parent)) {
      if ((parent.traceFlags & 1) === 0) return DROP;
      this.#profiler.chargeExternalChild();
      return SAMPLED_CHILD;
    }
    const weight = this.#profiler.admitExternalRoot(spanName);
    if (!(weight >= 1)) return DROP;
    return this.#sampledRoot(weight);
  }

  toString(): string {
    return `ProfilerSampler{${this.#profiler.maxSpansPerSecond} spans/s shared with the profiler}`;
  }

  /** A frozen result per weight (weights repeat: allocation-free on the common path). */
  #sampledRoot(weight: number): SamplingResult {
    let result = this.#weights.get(weight);
    if (result === undefined) {
      result = Object.freeze({
        decision: SamplingDecision.RECORD_AND_SAMPLED,
        attributes: Object.freeze({ [SAMPLING_PROBABILITY]: 1 / weight }),
        traceState: createTraceState().set(
          FERRET_TRACESTATE_KEY,
          ferretTraceStateValue(1 / weight),
        ),
      });
      if (this.#weights.size >= 256) this.#weights.clear();
      this.#weights.set(weight, result);
    }
    return result;
  }
}
