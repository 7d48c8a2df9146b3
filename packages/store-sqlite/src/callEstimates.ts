// How many calls the stored spans and count records stand for: exact where count records cover
// a name, Σ weight of the stored spans elsewhere.
import type { NameAccumulator } from './NameAccumulator.js';
import type { NameSummary } from './readerTypes.js';

/**
 * A root's weight is the calls ÷ recorded ratio in force when it was admitted, so it lags a
 * change of traffic: the first roots of a burst carry weight 1, and Σ weight undercounts the
 * calls. For root names the count records give the exact calls, so each root name has a
 * correction factor (exact calls ÷ Σ root weights); a child span is scaled by the factor of its
 * trace's root name, and so is the extrapolated time (`estimatedTotalMs`). Returns the factors
 * that differ from 1.
 */
export function rootNameFactors(
  byName: ReadonlyMap<string, NameAccumulator>,
  countsByName: ReadonlyMap<string, CountTotals>,
): Map<string, number> {
  const factors = new Map<string, number>();
  for (const [name, totals] of countsByName) {
    const rootWeight = byName.get(name)?.rootWeight ?? 0;
    if (rootWeight === 0) continue;
    const factor = totals.calls / rootWeight;
    if (Math.abs(factor - 1) > 1e-3) factors.set(name, factor);
  }
  return factors;
}

/**
 * Scales the children's weights and extrapolated time by their root name's factor, given
 * `[child name, root name, Σ weight, Σ weight × duration]` per pair, and the roots' own
 * extrapolated time (their calls come from the counts).
 */
export function scaleByRootName(
  childrenByRoot: readonly (readonly [string, string, number, number])[],
  factors: ReadonlyMap<string, number>,
  byName: ReadonlyMap<string, NameAccumulator>,
): void {
  for (const [child, root, weight, weightedMs] of childrenByRoot) {
    const factor = factors.get(root);
    const accumulator = byName.get(child);
    if (factor !== undefined && accumulator !== undefined) {
      accumulator.childWeight += weight * (factor - 1);
      accumulator.weightedMs += weightedMs * (factor - 1);
    }
  }
  for (const [name, factor] of factors) {
    const accumulator = byName.get(name);
    if (accumulator !== undefined)
      accumulator.weightedMs += accumulator.rootWeightedMs * (factor - 1);
  }
}

/** One name's (or one run's) count records, summed. */
export interface CountTotals {
  calls: number;
  recorded: number;
  dropped: number;
}

/**
 * Calls of one name: exact from its count records for its root calls, Σ weight (rounded) of
 * the stored spans the count records do not cover (children, uncounted roots).
 */
export function toSummary(
  name: string,
  a: NameAccumulator,
  counts: CountTotals | undefined,
  runLostNothing: boolean,
): NameSummary {
  const recorded = a.recorded;
  let calls = 0;
  let callsExact = true;
  let estimatedSpans = recorded - a.rootSpans;
  let estimatedWeight = a.childWeight;
  if (counts === undefined) {
    estimatedSpans += a.rootSpans;
    estimatedWeight += a.rootWeight;
  } else if (a.rootSpans <= counts.recorded) {
    calls = counts.calls;
  } else {
    // More roots stored than the count records say were recorded: some count records were
    // lost, so their sum undercounts. The stored roots' weights give a floor.
    calls = Math.max(counts.calls, Math.round(a.rootWeight));
    callsExact = false;
  }
  if (estimatedSpans > 0) {
    calls += Math.round(estimatedWeight);
    callsExact &&= runLostNothing && a.weightedSpans === 0;
  }
  if (calls < recorded) {
    calls = recorded;
    callsExact = false;
  }
  return {
    name,
    calls,
    callsExact,
    recorded,
    dropped: calls - recorded,
    totalMs: a.totalMs,
    avgMs: recorded === 0 ? 0 : a.totalMs / recorded,
    minMs: recorded === 0 ? 0 : a.minMs,
    p50Ms: a.percentileMs(50),
    p95Ms: a.percentileMs(95),
    p99Ms: a.percentileMs(99),
    maxMs: recorded === 0 ? 0 : a.maxMs,
    errors: a.errors,
    errorRate: recorded === 0 ? 0 : a.errors / recorded,
    estimatedTotalMs: a.weightedMs,
  };
}
