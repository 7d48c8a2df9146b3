/** Instrumentation scope name of every exported span: the spans are the profiler's. */
export const SCOPE_NAME = '@ferret/profiler';

/**
 * Span attribute carried by every exported span: its sampling weight, the number of calls the
 * span stands for (calls ÷ recorded for its root name when the root was admitted; ≥ 1). A backend
 * estimates true call counts as the sum of the weights of a name's spans.
 */
export const ATTR_FERRET_WEIGHT = 'ferret.weight';

/**
 * Set on exported roots as `1 / weight`: the same attribute `@ferret/sampler-otel` sets on the
 * roots it samples, so a Ferret store (or any reader of that attribute) weighs both alike.
 */
export const ATTR_FERRET_SAMPLING_PROBABILITY = 'ferret.sampling.probability';

/** On a root whose trace hit the per-trace cap: descendants not recorded. */
export const ATTR_FERRET_TRUNCATED_CHILDREN = 'ferret.truncated_children';

/** Semantic-convention attribute for the recording thread (`worker_threads.threadId`). */
export const ATTR_THREAD_ID = 'thread.id';

/** Monotonic counter of exact root calls per span name, from the profiler's count records. */
export const METRIC_FERRET_CALLS = 'ferret.calls';

/** Attribute of {@link METRIC_FERRET_CALLS}: the root span name. */
export const ATTR_SPAN_NAME = 'span.name';
