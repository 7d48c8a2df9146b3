// The sampling weight a span's tracestate carries, so every span of a sampled trace knows how many
// traces its trace stands for, in this process and in every service the trace continues into.
// Tracestate travels with the span context: OpenTelemetry copies it from a parent to each child
// (local or remote, through the `tracestate` header), so a child knows its weight when it is
// created, whatever the order its spans are exported in. Values are untrusted (they come from
// other services): nothing here throws and what is malformed is ignored.
import { adjustedCount, parseOtValue } from './otTraceState.js';

/** The tracestate member Ferret's samplers write: `ferret=p:<probability>`. */
export const FERRET_TRACESTATE_KEY = 'ferret';

/** Most characters of a `ferret` member value read; a longer one is ignored. */
const FERRET_VALUE_MAX_LENGTH = 64;
const PROBABILITY = /^p:(\d{1,20}(?:\.\d{1,20})?(?:e-\d{1,3})?)$/;

/**
 * The `ferret` tracestate value for a sampled root's probability (0 < p ≤ 1): `p:<probability>`,
 * shortest decimal form up to 8 significant digits.
 */
export function ferretTraceStateValue(probability: number): string {
  const text = String(probability);
  return `p:${text.length <= 12 ? text : String(Number(probability.toPrecision(8)))}`;
}

/**
 * The weight (adjusted count: traces this one stands for, ≥ 1) a span's tracestate states, read
 * with `get` (a `TraceState.get`). OpenTelemetry's consistent-probability threshold (`ot=th:`)
 * comes first, as the standard any sampler may write; then Ferret's own `ferret=p:`. Undefined
 * when neither holds a valid value. Never throws.
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
    if (threshold !== undefined) return adjustedCount(threshold);
  }
  if (typeof ferret === 'string' && ferret.length <= FERRET_VALUE_MAX_LENGTH) {
    for (const member of ferret.split(';')) {
      const match = PROBABILITY.exec(member);
      if (match === null) continue;
      const probability = Number(match[1]);
      if (probability > 0 && probability <= 1) return 1 / probability;
    }
  }
  return undefined;
}
