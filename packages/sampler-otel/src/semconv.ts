/**
 * Attribute set on every root span the {@link RateLimitingSampler} samples: 1 ÷ the number of
 * roots the span stands for (itself and the roots dropped since the sampler's previous sampled
 * root). `1` while under budget. A backend counts the traces exactly (up to the last sampled
 * one) as the sum of `1 / probability` over the stored roots. The trace's tracestate carries the
 * same value as `ferret=p:<probability>`, for its child spans and downstream services.
 */
export const ATTR_FERRET_SAMPLING_PROBABILITY = 'ferret.sampling.probability';

/**
 * Counter of root sampling decisions, with attribute {@link ATTR_FERRET_SAMPLER_DECISION}
 * (`sampled` | `dropped`). Children decided by a parent-based sampler are not counted.
 */
export const METRIC_FERRET_SAMPLER_DECISIONS = 'ferret.sampler.decisions';

/** Attribute of {@link METRIC_FERRET_SAMPLER_DECISIONS}: `sampled` or `dropped`. */
export const ATTR_FERRET_SAMPLER_DECISION = 'decision';

/** Length of the window `RateLimitingSampler.probability` (sampled ÷ seen) is measured over. */
export const PROBABILITY_WINDOW_MS = 1000;

/** The window is kept as this many slots of `PROBABILITY_WINDOW_MS / slots` each (fixed memory). */
export const PROBABILITY_WINDOW_SLOTS = 10;

/**
 * Set on every root the {@link RateLimitingSampler} samples, with {@link ATTR_SAMPLER_PARAM}: the
 * sampler type in Jaeger's convention (`sampler.type`), which Jaeger and tools built on its data
 * model read to tell how a trace was sampled.
 */
export const ATTR_SAMPLER_TYPE = 'sampler.type';

/** The sampler's parameter in Jaeger's convention: for rate limiting, the traces per second. */
export const ATTR_SAMPLER_PARAM = 'sampler.param';

/** The {@link ATTR_SAMPLER_TYPE} value of {@link RateLimitingSampler} (Jaeger's name for it). */
export const SAMPLER_TYPE_RATELIMITING = 'ratelimiting';

/** The {@link ATTR_SAMPLER_TYPE} value of {@link ConsistentRateLimitingSampler}. */
export const SAMPLER_TYPE_CONSISTENT_RATELIMITING = 'consistent_ratelimiting';
