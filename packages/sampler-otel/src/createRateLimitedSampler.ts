import { ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import { RateLimitingSampler, type RateLimitingSamplerOptions } from './RateLimitingSampler.js';

/**
 * The recommended composition: `ParentBasedSampler({ root: RateLimitingSampler(options) })`.
 * Root spans spend the budget; children follow their parent's decision, local or remote
 * (`traceparent` sampled flag), so every stored trace is whole and children cost no tokens.
 *
 * @example
 * const provider = new NodeTracerProvider({
 *   sampler: createRateLimitedSampler({ maxTracesPerSecond: 50 }),
 * });
 */
export function createRateLimitedSampler(
  options: RateLimitingSamplerOptions = {},
): ParentBasedSampler {
  return new ParentBasedSampler({ root: new RateLimitingSampler(options) });
}
