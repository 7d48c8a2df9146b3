// How many calls the stored spans and count records stand for: exact where count records cover
// a name, Σ weight of the stored spans elsewhere.
import { SAMPLED_NAME_ATTRIBUTE } from '@ferret/internal';
import { STALL_SPAN_NAME } from '@ferret/profiler';
import type { NameAccumulator } from './NameAccumulator.js';
import type { NameSummary } from './readerTypes.js';

/**
 * A root's weight is the calls ÷ recorded ratio in force when it was admitted, so it lags a
 * change of traffic: the first roots of a burst carry weight 1, and Σ weight undercounts the
 * calls. Roots recorded but lost before the file (a full queue, failed writes, a process killed
 * before its spans were written) are missing from Σ weight too. For root names the count records
 * give the exact calls, so each root name has a correction factor (exact calls ÷ Σ weight of its
 * stored roots); a child span is scaled by the factor of its own local root's name, and so is the
 * extrapolated time (`estimatedTotalMs`): the stored traces stand for the sampled-away ones and the
 * lost ones alike.
 *
 * Two exceptions keep the weights as they are: a name with more stored roots than its count
 * records say were recorded (count records were lost: their calls undercount), and, in an
 * ambiguous file ({@link RootEstimates.ambiguous}), a name that dropped nothing by sampling: its
 * missing roots may be stored under other names, so its children are not taken for them.
 */
export interface RootEstimates {
  /** The count records per stored name ({@link countsByStoredName}). */
  counts: Map<string, CountTotals>;
  /** Per stored root name, the factor that scales its children, where it differs from 1. */
  factors: Map<string, number>;
  /**
   * Root spans the count records say were recorded (kept by sampling) that are not in the file:
   * traces lost after sampling. Roots of uncounted names that may be renamed counted ones
   * ({@link RootEstimates.ambiguous}) are taken off, so this is a lower bound.
   */
  missingTraces: number;
  /** Traces the count records say were recorded (kept by sampling): their `recorded` summed. */
  recordedTraces: number;
  /**
   * Parentless roots stored under a name with no count records and no `ferret.sampled_name`
   * (other than the stall spans): a file written before the attribute existed, where an HTTP
   * server root renamed after its route is not linked to the name it was counted under.
   */
  ambiguous: number;
}

/**
 * The count records per stored name, the children's factors and the traces lost after
 * sampling, from the run's count records per sampled name, the stored roots per stored name
 * (`[name, Σ weight, spans]`, renamed ones included) and the renamed roots.
 */
export function rootEstimates(
  sampledCounts: ReadonlyMap<string, CountTotals>,
  roots: Iterable<[string, number, number]>,
  renamed: RenamedRoots,
): RootEstimates {
  const rootList = [...roots];
  /** Per stored name: its roots counted under another (text) name, and its roots under a remote parent. */
  const renamedAway = new Map<string, number>();
  const underRemote = new Map<string, number>();
  /** Per sampled name: its roots stored under other names. */
  const renamedTo = new Map<string, number>();
  for (const [stored, sampled, , spans] of renamed.entries()) {
    if (sampled === '') {
      underRemote.set(stored, (underRemote.get(stored) ?? 0) + spans);
      continue;
    }
    renamedAway.set(stored, (renamedAway.get(stored) ?? 0) + spans);
    renamedTo.set(sampled, (renamedTo.get(sampled) ?? 0) + spans);
  }
  // Roots under a remote parent count for their own name when it has count records (`ferret run`
  // counts them); without, they were never counted (a caller's decision), so no count misses them.
  let ambiguous = 0;
  const storedUnder = new Map<string, number>();
  for (const [name, , spans] of rootList) {
    const own = spans - (renamedAway.get(name) ?? 0);
    if (own <= 0) continue;
    if (sampledCounts.has(name)) storedUnder.set(name, own);
    else if (name !== STALL_SPAN_NAME) ambiguous += own - (underRemote.get(name) ?? 0);
  }
  let missing = 0;
  let recordedTraces = 0;
  for (const [name, totals] of sampledCounts) {
    recordedTraces += totals.recorded;
    const stored = (storedUnder.get(name) ?? 0) + (renamedTo.get(name) ?? 0);
    if (totals.recorded > stored) missing += totals.recorded - stored;
  }
  const counts = countsByStoredName(sampledCounts, rootList, renamed, ambiguous > 0);
  const factors = new Map<string, number>();
  for (const [name, weight, spans] of rootList) {
    const totals = counts.get(name);
    if (totals === undefined || weight === 0 || spans > totals.recorded) continue;
    if (totals.dropped === 0 && ambiguous > 0) continue;
    const factor = totals.calls / weight;
    if (Math.abs(factor - 1) > 1e-3) factors.set(name, factor);
  }
  return {
    counts,
    factors,
    missingTraces: Math.max(0, missing - ambiguous),
    recordedTraces,
    ambiguous,
  };
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
    this.addMany(storedName, sampledName, weight, 1);
  }

  /** Several stored roots of one (stored name, sampled name) pair at once. */
  addMany(storedName: string, sampledName: unknown, weight: number, spans: number): void {
    if (typeof sampledName !== 'string' || sampledName === storedName) return;
    let bySampled = this.#byStored.get(storedName);
    if (bySampled === undefined) {
      bySampled = new Map();
      this.#byStored.set(storedName, bySampled);
    }
    const sums = bySampled.get(sampledName);
    if (sums === undefined) bySampled.set(sampledName, [weight, spans]);
    else {
      sums[0] += weight;
      sums[1] += spans;
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
 * factor (calls ÷ Σ weight of those roots, so the shares add up to the calls; 1 when more roots
 * are stored than were recorded, or in an `ambiguous` file when the name dropped nothing): each
 * gets `calls = Σ weight × factor`, exact when the name dropped nothing and every recorded root
 * is stored. A sampled name with no root stored under it any more keeps no line; one with no
 * stored root at all keeps its own.
 * @param roots - Σ weight and count of the stored roots per stored name (renamed ones included).
 * @param ambiguous - See {@link RootEstimates.ambiguous}.
 */
export function countsByStoredName(
  counts: ReadonlyMap<string, CountTotals>,
  roots: Iterable<[string, number, number]>,
  renamed: RenamedRoots,
  ambiguous = false,
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
    const factor =
      spans > totals.recorded || (totals.dropped === 0 && ambiguous) ? 1 : totals.calls / weight;
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
