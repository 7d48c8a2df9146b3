/**
 * Attribute set on every root span the {@link RateLimitingSampler} samples: the fraction of root
 * spans it sampled (sampled ÷ seen) over the last {@link PROBABILITY_WINDOW_MS} milliseconds,
 * including the span itself. `1` while under budget. A backend estimates the true number of
 * traces as the sum of `1 / probability` over the stored roots.
 */
export const ATTR_FERRET_SAMPLING_PROBABILITY = 'ferret.sampling.probability';

/**
 * Counter of root sampling decisions, with attribute {@link ATTR_FERRET_SAMPLER_DECISION}
 * (`sampled` | `dropped`). Children decided by a parent-based sampler are not counted.
 */
export const METRIC_FERRET_SAMPLER_DECISIONS = 'ferret.sampler.decisions';

/** Attribute of {@link METRIC_FERRET_SAMPLER_DECISIONS}: `sampled` or `dropped`. */
export const ATTR_FERRET_SAMPLER_DECISION = 'decision';

/** Length of the window the sampling probability is measured over. */
export const PROBABILITY_WINDOW_MS = 1000;

/** The window is kept as this many slots of `PROBABILITY_WINDOW_MS / slots` each (fixed memory). */
export const PROBABILITY_WINDOW_SLOTS = 10;
