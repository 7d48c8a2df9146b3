export {
  ConsistentRateLimitingSampler,
  type ConsistentRateLimitingSamplerOptions,
  DEFAULT_TARGET_TRACES_PER_SECOND,
  THRESHOLD_PRECISION_DIGITS,
} from './ConsistentRateLimitingSampler.js';
export { createRateLimitedSampler } from './createRateLimitedSampler.js';
export {
  adjustedCount,
  FERRET_TRACESTATE_KEY,
  OT_VALUE_MAX_LENGTH,
  type OtValue,
  parseOtValue,
  serializeOtValue,
  traceStateWeight,
} from './otTraceState.js';
export {
  DEFAULT_MAX_TRACES_PER_SECOND,
  RateLimitingSampler,
  type RateLimitingSamplerOptions,
} from './RateLimitingSampler.js';
export {
  ENV_MAX_TRACES_PER_SECOND,
  OTEL_TRACES_SAMPLER_FERRET,
  OTEL_TRACES_SAMPLER_FERRET_CONSISTENT,
  samplerFromEnv,
} from './samplerFromEnv.js';
export {
  ATTR_FERRET_SAMPLER_DECISION,
  ATTR_FERRET_SAMPLING_PROBABILITY,
  ATTR_SAMPLER_PARAM,
  ATTR_SAMPLER_TYPE,
  METRIC_FERRET_SAMPLER_DECISIONS,
  PROBABILITY_WINDOW_MS,
  SAMPLER_TYPE_CONSISTENT_RATELIMITING,
  SAMPLER_TYPE_RATELIMITING,
} from './semconv.js';
