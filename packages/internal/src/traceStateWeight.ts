// The sampling weight a span's tracestate carries, so every span of a sampled trace knows how many
// traces its trace stands for, in this process and in every service the trace continues into.
// Tracestate travels with the span context: OpenTelemetry copies it from a parent to each child
// (local or remote, through the `tracestate` header), so a child knows its weight when it is
// created, whatever the order its spans are exported in. Values are untrusted (they come from
// other services): nothing here throws and what is malformed is ignored.
import { adjustedCount, parseOtValue } from './otTraceState.js';

/** The tracestate member Ferret's samplers write: `ferret=p:<probability>`. */
export const FERRET_TRACESTATE_KEY = 'ferret';

/**
 * The largest sampling weight (adjusted count) Ferret reads, writes or stores: 2^20 = 1,048,576,
 * i.e. a probability of at least 2^-20 (about 9.5e-7), an `ot=th` threshold of at most
 * `fffff` (5 hex digits). Ferret's own samplers stay far below it (ConsistentRateLimitingSampler's
 * smallest probability is 2^-16; a profiler weight is calls ÷ recorded per name over two windows,
 * so reaching 2^20 takes over a million root calls of one name per second per span/s of its
 * fair share), while one header claiming `p:1e-300` would otherwise make every estimate 10^300.
 * A weight read from a tracestate beyond it is invalid and ignored (the specification's rule for
 * invalid values); writers clamp to it, and the store's reader refuses a larger stored weight.
 */
export const MAX_SAMPLING_WEIGHT = 2 ** 20;

/** Most characters of a `ferret` member value read; a longer one is ignored. */
const FERRET_VALUE_MAX_LENGTH = 64;
const PROBABILITY = /^p:(\d{1,20}(?:\.\d{1,20})?(?:e-\d{1,3})?)$/;

/** A run tag: 16 lowercase hex digits (see {@link traceStateRunTag}). */
const RUN_TAG = /^r:([0-9a-f]{16})$/;

/**
 * The `ferret` tracestate value: `p:<probability>` for a sampled root's probability (0 < p ≤ 1),
 * shortest decimal form up to 8 significant digits (a probability below 1 / {@link
 * MAX_SAMPLING_WEIGHT} is written as that bound, so the value stays readable), then `r:<runTag>`
 * when a run tag is given. `probability` undefined writes the tag alone (a trace not sampled).
 */
export function ferretTraceStateValue(probability: number | undefined, runTag?: string): string {
  const members: string[] = [];
  if (probability !== undefined) {
    const bounded = Math.max(probability, 1 / MAX_SAMPLING_WEIGHT);
    const text = String(bounded);
    members.push(`p:${text.length <= 12 ? text : String(Number(bounded.toPrecision(8)))}`);
  }
  if (runTag !== undefined) members.push(`r:${runTag}`);
  return members.join(';');
}

/**
 * The run tag the `ferret` tracestate member carries (`r:<16 hex digits>`): the mark a
 * `ferret run` process puts on every trace it decides, so that another process of the same run
 * (or the same process, called through HTTP) recognises the decision as its own. Undefined when
 * absent or malformed. Never throws.
 */
export function traceStateRunTag(get: (key: string) => string | undefined): string | undefined {
  let ferret: unknown;
  try {
    ferret = get(FERRET_TRACESTATE_KEY);
  } catch {
    return undefined;
  }
  if (typeof ferret !== 'string' || ferret.length > FERRET_VALUE_MAX_LENGTH) return undefined;
  for (const member of ferret.split(';')) {
    const match = RUN_TAG.exec(member);
    if (match !== null) return match[1];
  }
  return undefined;
}

/**
 * The weight (adjusted count: traces this one stands for, ≥ 1) a span's tracestate states, read
 * with `get` (a `TraceState.get`). OpenTelemetry's consistent-probability threshold (`ot=th:`)
 * comes first, as the standard any sampler may write; then Ferret's own `ferret=p:`. Undefined
 * when neither holds a valid value; a weight above {@link MAX_SAMPLING_WEIGHT} is not valid.
 * Never throws.
 */
export function traceStateWeight(get: (key: string) => string | undefined): number | undefined {
  let ot: unknown;
  let ferret: unknown;
  try {
    ot = get('ot');
    ferret = get(FERRET_TRACESTATE_KEY);
  } catch {
    return undefined;
  }
  if (typeof ot === 'string') {
    const threshold = parseOtValue(ot).threshold;
    if (threshold !== undefined) {
      const weight = adjustedCount(threshold);
      if (weight !== undefined && weight <= MAX_SAMPLING_WEIGHT) return weight;
    }
  }
  if (typeof ferret === 'string' && ferret.length <= FERRET_VALUE_MAX_LENGTH) {
    for (const member of ferret.split(';')) {
      const match = PROBABILITY.exec(member);
      if (match === null) continue;
      const probability = Number(match[1]);
      if (probability >= 1 / MAX_SAMPLING_WEIGHT && probability <= 1) return 1 / probability;
    }
  }
  return undefined;
}
