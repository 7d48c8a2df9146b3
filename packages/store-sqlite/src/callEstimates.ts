// How many calls the stored spans and count records stand for: exact where count records cover
// a name, Σ weight of the stored spans elsewhere.
import { SAMPLED_NAME_ATTRIBUTE } from '@ferret/internal';
import type { NameAccumulator } from './NameAccumulator.js';
import type { NameSummary } from './readerTypes.js';

/**
 * A root's weight is the calls ÷ recorded ratio in force when it was admitted, so it lags a
 * change of traffic: the first roots of a burst carry weight 1, and Σ weight undercounts the
 * calls. For root names the count records give the exact calls, so each root name has a
 * correction factor (exact calls ÷ Σ root weights); a child span is scaled by the factor of its
 * own local root's name, and so is the extrapolated time (`estimatedTotalMs`). A name whose count
 * records dropped nothing has factor 1: every call was recorded at weight 1 (roots missing from
 * the file were lost, not sampled away). `counts` are per stored name ({@link countsByStoredName}).
 * Returns the factors that differ from 1.
 */
export function rootNameFactors(
  rootWeightOf: (name: string) => number,
  counts: ReadonlyMap<string, CountTotals>,
): Map<string, number> {
  const factors = new Map<string, number>();
  for (const [name, totals] of counts) {
    if (totals.dropped === 0) continue;
    const rootWeight = rootWeightOf(name);
    if (rootWeight === 0) continue;
    const factor = totals.calls / rootWeight;
    if (Math.abs(factor - 1) > 1e-3) factors.set(name, factor);
  }
  return factors;
}

/**
 * SQL for the name a root span row was counted under, when that is not its own: its
 * `ferret.sampled_name` (text; `ferret run` sets it on a renamed root it counted, under a remote
 * parent too), else '' for a root under a remote parent (counted under no name: the samplers
 * count roots without a parent, and `ferret run` sets the attribute on the remote-parent roots it
 * counts once renamed); NULL for the other rows. The substring test spares the JSON parse for the
 * roots that were not renamed, which are most of them.
 */
export const SAMPLED_NAME_COLUMN = `CASE WHEN is_root = 0 THEN NULL
  WHEN instr(attributes, '"${SAMPLED_NAME_ATTRIBUTE}"') > 0 AND json_valid(attributes)
    AND json_type(attributes, '$."${SAMPLED_NAME_ATTRIBUTE}"') = 'text'
  THEN attributes ->> '$."${SAMPLED_NAME_ATTRIBUTE}"'
  WHEN parent_span_id IS NOT NULL THEN '' END`;

/**
 * Stored roots not counted under their own name: Σ weight and spans per (stored name, sampled
 * name), the sampled name '' for roots under a remote parent (counted under no name). Memory
 * grows with such pairs (routes per method), not spans.
 */
export class RenamedRoots {
  readonly #byStored = new Map<string, Map<string, [number, number]>>();

  get size(): number {
    return this.#byStored.size;
  }

  /** One stored root; `sampledName` is {@link SAMPLED_NAME_COLUMN} as read (ignored unless text). */
  add(storedName: string, sampledName: unknown, weight: number): void {
    if (typeof sampledName !== 'string' || sampledName === storedName) return;
    let bySampled = this.#byStored.get(storedName);
    if (bySampled === undefined) {
      bySampled = new Map();
      this.#byStored.set(storedName, bySampled);
    }
    const sums = bySampled.get(sampledName);
    if (sums === undefined) bySampled.set(sampledName, [weight, 1]);
    else {
      sums[0] += weight;
      sums[1]++;
    }
  }

  /** `[stored name, sampled name, Σ weight, spans]` per pair. */
  *entries(): IterableIterator<[string, string, number, number]> {
    for (const [stored, bySampled] of this.#byStored) {
      for (const [sampled, [weight, spans]] of bySampled) yield [stored, sampled, weight, spans];
    }
  }
}

/**
 * The count records, per name the roots are stored under. Calls are counted under the name a
 * root had when it was sampled; a root renamed later (an HTTP server span named after its route)
 * carries that name as `ferret.sampled_name`. A sampled name whose roots are stored under other
 * names shares its count records among them in proportion to their Σ weight, scaled by its
 * factor (1 when nothing was dropped): each gets `calls = Σ weight × factor`, exact when the
 * name dropped nothing and every recorded root is stored. A sampled name with no root stored
 * under it any more keeps no line; one with no stored root at all keeps its own.
 * @param roots - Σ weight and count of the stored roots per stored name (renamed ones included).
 */
export function countsByStoredName(
  counts: ReadonlyMap<string, CountTotals>,
  roots: Iterable<[string, number, number]>,
  renamed: RenamedRoots,
): Map<string, CountTotals> {
  if (renamed.size === 0) return new Map(counts);
  /** Per sampled name: the stored names its roots went to, with Σ weight and spans. */
  const groups = new Map<string, Map<string, [number, number]>>();
  const member = (sampled: string, stored: string, weight: number, spans: number) => {
    let members = groups.get(sampled);
    if (members === undefined) {
      members = new Map();
      groups.set(sampled, members);
    }
    const sums = members.get(stored);
    if (sums === undefined) members.set(stored, [weight, spans]);
    else {
      sums[0] += weight;
      sums[1] += spans;
    }
  };
  const renamedOf = new Map<string, [number, number]>();
  for (const [stored, sampled, weight, spans] of renamed.entries()) {
    if (sampled !== '') member(sampled, stored, weight, spans);
    const sums = renamedOf.get(stored);
    if (sums === undefined) renamedOf.set(stored, [weight, spans]);
    else {
      sums[0] += weight;
      sums[1] += spans;
    }
  }
  for (const [stored, weight, spans] of roots) {
    const [renamedWeight, renamedSpans] = renamedOf.get(stored) ?? [0, 0];
    if (spans > renamedSpans) member(stored, stored, weight - renamedWeight, spans - renamedSpans);
  }
  const result = new Map<string, CountTotals>();
  const addTo = (name: string, totals: CountTotals) => {
    const sums = result.get(name);
    if (sums === undefined) result.set(name, { ...totals });
    else {
      sums.calls += totals.calls;
      sums.recorded += totals.recorded;
      sums.dropped += totals.dropped;
      if (totals.estimated) sums.estimated = true;
    }
  };
  for (const [sampled, totals] of counts) {
    const members = groups.get(sampled);
    if (members === undefined || (members.size === 1 && members.has(sampled))) {
      addTo(sampled, totals);
      continue;
    }
    let weight = 0;
    let spans = 0;
    for (const [w, n] of members.values()) {
      weight += w;
      spans += n;
    }
    const factor = totals.dropped === 0 ? 1 : totals.calls / weight;
    const exact = totals.dropped === 0 && spans === totals.recorded;
    for (const [stored, [w, n]] of members) {
      const calls = w * factor;
      addTo(stored, { calls, recorded: n, dropped: calls - n, estimated: !exact });
    }
  }
  return result;
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
  /** A share of a sampled name's records that is not exact (see {@link countsByStoredName}). */
  estimated?: boolean;
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
    calls = Math.round(counts.calls);
    callsExact = counts.estimated !== true;
  } else {
    // More roots stored than the count records say were recorded: some count records were
    // lost, so their sum undercounts. The stored roots' weights give a floor.
    calls = Math.max(Math.round(counts.calls), Math.round(a.rootWeight));
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
