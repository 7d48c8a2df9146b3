// `reader.analyze()`: per-name (or per name and attribute value) statistics of one run with self
// time, in one streaming pass. Memory grows with distinct rows (names × bounded values), open
// spans and root names, never with the number of spans.
import type Database from 'better-sqlite3';
import type { AnalysisRow, AnalyzeOptions, AttributeGroup } from './analysisTypes.js';
import { type CountTotals, RenamedRoots, rootEstimates, toSummary } from './callEstimates.js';
import { LocalRoots } from './localRoots.js';
import { NameAccumulator, UNPACKED_NAMES } from './NameAccumulator.js';
import { readCountTotals } from './rootFactors.js';
import { RowChecker } from './rowChecks.js';
import { streamRun } from './runStream.js';
import { SelfTimeWalk } from './selfTimeWalk.js';

/** Distinct attribute values per name before the rest go to the `(other)` row. */
export const DEFAULT_MAX_VALUES_PER_NAME = 20;
/** Most distinct values per name a caller may ask for. */
export const MAX_VALUES_PER_NAME = 1000;
/** Most durations kept per row for `sampleSize`. */
export const MAX_SAMPLE_SIZE = 100_000;

/** Statistics of one output row while the run streams. */
class RowAccumulator {
  readonly base: NameAccumulator;
  readonly self: NameAccumulator;
  /** Σ weight and Σ weight × duration of this row's child spans, per name of their local root. */
  readonly childrenByRoot = new Map<string, [number, number]>();
  readonly sample: number[] = [];
  #seen = 0;

  constructor(
    readonly name: string,
    readonly group: AttributeGroup | undefined,
    readonly value: string | undefined,
    packed: boolean,
  ) {
    this.base = new NameAccumulator(packed);
    this.self = new NameAccumulator(packed);
  }

  /** Reservoir sampling (algorithm R) with the walk's deterministic random source. */
  addSample(durationMs: number, size: number, random: () => number): void {
    this.#seen++;
    if (this.sample.length < size) this.sample.push(durationMs);
    else {
      const slot = Math.floor(random() * this.#seen);
      if (slot < size) this.sample[slot] = durationMs;
    }
  }
}

/** A small seeded PRNG (mulberry32): samples are the same for the same file. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Turns an attribute's JSON text into the text shown for it: strings bare, others as JSON. */
function valueText(json: string): string {
  if (json.startsWith('"')) {
    try {
      return JSON.parse(json) as string;
    } catch {
      return json;
    }
  }
  return json;
}

interface ResolvedOptions {
  by: string | undefined;
  name: string | undefined;
  maxValuesPerName: number;
  sampleSize: number;
}

/** The result before the run id is attached. */
export interface AnalysisResult {
  rows: AnalysisRow[];
  spansWithAttribute: number | undefined;
  /** See {@link RunAnalysis.missingTraces}. */
  missingTraces: number;
  /** See {@link RunAnalysis.recordedTraces}. */
  recordedTraces: number;
}

/**
 * Streams one run and returns its rows, sorted by recorded total time descending. With `by`,
 * one row per (name, attribute value): the first `maxValuesPerName` distinct values of a name get
 * their own rows, later ones share its `(other)` row, and spans without the attribute go to its
 * `(none)` row.
 */
export function analyzeRun(
  db: Database.Database,
  path: string,
  runKey: number,
  options: ResolvedOptions,
): AnalysisResult {
  const globStatement = db.prepare('SELECT ? GLOB ?').pluck();
  const nameMatches = new Map<string, boolean>();
  const matches = (name: string): boolean => {
    if (options.name === undefined) return true;
    let match = nameMatches.get(name);
    if (match === undefined) {
      match = globStatement.get(name, options.name) === 1;
      nameMatches.set(name, match);
    }
    return match;
  };
  let rowCount = 0;
  const newRow = (name: string, group: AttributeGroup | undefined, value?: string) =>
    new RowAccumulator(name, group, value, rowCount++ >= UNPACKED_NAMES);
  /** Without `by`: one row per name. With `by`: per name, rows by value text plus none/other. */
  const byName = new Map<string, RowAccumulator>();
  const byValue = new Map<string, Map<string, RowAccumulator>>();
  const noneRows = new Map<string, RowAccumulator>();
  const otherRows = new Map<string, RowAccumulator>();
  let spansWithAttribute = 0;
  const rowFor = (name: string, attribute: string | undefined): RowAccumulator => {
    if (options.by === undefined) {
      let row = byName.get(name);
      if (row === undefined) {
        row = newRow(name, undefined);
        byName.set(name, row);
      }
      return row;
    }
    if (attribute === undefined) {
      let row = noneRows.get(name);
      if (row === undefined) {
        row = newRow(name, 'none');
        noneRows.set(name, row);
      }
      return row;
    }
    spansWithAttribute++;
    let values = byValue.get(name);
    if (values === undefined) {
      values = new Map();
      byValue.set(name, values);
    }
    let row = values.get(attribute);
    if (row !== undefined) return row;
    if (values.size < options.maxValuesPerName) {
      row = newRow(name, 'value', valueText(attribute));
      values.set(attribute, row);
      return row;
    }
    row = otherRows.get(name);
    if (row === undefined) {
      row = newRow(name, 'other');
      otherRows.set(name, row);
    }
    return row;
  };

  const random = seededRandom(0x5eed);
  let storedRoots = 0;
  let truncatedChildren = 0;
  /** Σ weight and count of the stored roots per name, of every name (the filter only hides rows). */
  const rootWeights = new Map<string, [number, number]>();
  const renamed = new RenamedRoots();
  const walk = new SelfTimeWalk<RowAccumulator | undefined>((span) => {
    span.data?.self.add(span.selfMs, false, 1, false);
  });
  /** A child's weight goes to its row, per the name of its own local root, once that is known. */
  const roots = new LocalRoots<[RowAccumulator, number, number] | undefined>((child, rootName) => {
    if (child === undefined || rootName === undefined) return;
    const [accumulator, weight, weightedMs] = child;
    const pair = accumulator.childrenByRoot.get(rootName);
    if (pair === undefined) accumulator.childrenByRoot.set(rootName, [weight, weightedMs]);
    else {
      pair[0] += weight;
      pair[1] += weightedMs;
    }
  });
  streamRun(
    db,
    path,
    runKey,
    options.by,
    (row) => {
      if (row.isRoot) {
        storedRoots++;
        const sums = rootWeights.get(row.name);
        if (sums === undefined) rootWeights.set(row.name, [row.weight, 1]);
        else {
          sums[0] += row.weight;
          sums[1]++;
        }
        if (row.sampledName !== null) renamed.add(row.name, row.sampledName, row.weight);
      }
      truncatedChildren += row.truncatedChildren;
      const accumulator = row.nameMatches ? rowFor(row.name, row.attribute) : undefined;
      if (accumulator !== undefined) {
        accumulator.base.add(row.durationMs, row.isError, row.weight, row.isRoot);
        if (options.sampleSize > 0)
          accumulator.addSample(row.durationMs, options.sampleSize, random);
      }
      roots.addRow(
        row,
        accumulator !== undefined && !row.isRoot
          ? [accumulator, row.weight, row.weight * row.durationMs]
          : undefined,
      );
      const parent = walk.parentOf(row.traceId, row.parentSpanId);
      walk.add(
        row.traceId,
        row.spanId,
        row.parentSpanId,
        row.start,
        row.durationMs,
        parent,
        accumulator,
      );
    },
    options.name,
  );
  walk.finish();
  roots.finish();

  const all: RowAccumulator[] = [
    ...byName.values(),
    ...[...byValue.values()].flatMap((values) => [...values.values()]),
    ...noneRows.values(),
    ...otherRows.values(),
  ];
  const sampledCounts = readCountTotals(db, runKey, new RowChecker(path));
  const run: CountTotals = { calls: 0, recorded: 0, dropped: 0 };
  for (const totals of sampledCounts.values()) {
    run.calls += totals.calls;
    run.recorded += totals.recorded;
    run.dropped += totals.dropped;
  }
  const { counts, factors, missingTraces, recordedTraces } = rootEstimates(
    sampledCounts,
    [...rootWeights].map(([name, [weight, spans]]): [string, number, number] => [
      name,
      weight,
      spans,
    ]),
    renamed,
  );
  // With `by`, a name's count records are exact for its row only when that row holds all of its
  // spans (one value, or none has the attribute); split over several rows, each is an estimate.
  const rowsOfName = new Map<string, number>();
  for (const row of all) rowsOfName.set(row.name, (rowsOfName.get(row.name) ?? 0) + 1);
  const wholeName = (row: RowAccumulator) =>
    options.by === undefined || rowsOfName.get(row.name) === 1;
  for (const row of all) applyFactors(row, factors, !wholeName(row));
  const runLostNothing =
    counts.size > 0 && run.dropped === 0 && storedRoots === run.recorded && truncatedChildren === 0;

  const rows: AnalysisRow[] = all.map((row) =>
    toRow(row, wholeName(row) ? counts.get(row.name) : undefined, runLostNothing),
  );
  // Counted names with no stored span (every call dropped, or lost) still get a line.
  const stored = new Set(all.map((row) => row.name));
  for (const [name, totals] of counts) {
    if (stored.has(name) || totals.calls === 0 || !matches(name)) continue;
    const empty = newRow(name, options.by === undefined ? undefined : 'none');
    rows.push(toRow(empty, totals, runLostNothing));
  }
  return {
    rows: rows.sort(
      (x, y) => y.totalMs - x.totalMs || y.calls - x.calls || (x.name < y.name ? -1 : 1),
    ),
    spansWithAttribute: options.by === undefined ? undefined : spansWithAttribute,
    missingTraces,
    recordedTraces,
  };
}

/**
 * Scales a row's child weights and extrapolated time by the factor of their trace's root name,
 * and its roots' extrapolated time by its own. A row holding only part of its name's spans (one
 * of several `by` rows) has no count records of its own, so its roots' weights are scaled too
 * (its calls are estimates).
 */
function applyFactors(
  row: RowAccumulator,
  factors: ReadonlyMap<string, number>,
  scaleRootWeight: boolean,
): void {
  for (const [rootName, [weight, weightedMs]] of row.childrenByRoot) {
    const factor = factors.get(rootName);
    if (factor === undefined) continue;
    row.base.childWeight += weight * (factor - 1);
    row.base.weightedMs += weightedMs * (factor - 1);
  }
  const own = factors.get(row.name);
  if (own !== undefined) {
    row.base.weightedMs += row.base.rootWeightedMs * (own - 1);
    if (scaleRootWeight) row.base.rootWeight *= own;
  }
}

function toRow(
  row: RowAccumulator,
  counts: CountTotals | undefined,
  runLostNothing: boolean,
): AnalysisRow {
  const summary = toSummary(row.name, row.base, counts, runLostNothing);
  const result: AnalysisRow = {
    ...summary,
    selfTotalMs: row.self.totalMs,
    selfP50Ms: row.self.percentileMs(50),
  };
  if (row.group !== undefined) result.group = row.group;
  if (row.value !== undefined) result.value = row.value;
  if (row.sample.length > 0) result.sample = row.sample;
  row.base.destroy();
  row.self.destroy();
  return result;
}

/** Checks and defaults {@link AnalyzeOptions} (the run is resolved by the caller). */
export function resolveAnalyzeOptions(options: AnalyzeOptions): ResolvedOptions {
  const { by, name, maxValuesPerName, sampleSize } = options;
  if (by !== undefined && (typeof by !== 'string' || by.length === 0)) {
    throw new TypeError('Expected `by` to be a non-empty attribute key');
  }
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
    throw new TypeError('Expected `name` to be a non-empty glob pattern');
  }
  const max = maxValuesPerName ?? DEFAULT_MAX_VALUES_PER_NAME;
  if (!Number.isSafeInteger(max) || max < 1 || max > MAX_VALUES_PER_NAME) {
    throw new RangeError(
      `Expected \`maxValuesPerName\` to be a whole number from 1 to ${MAX_VALUES_PER_NAME}, got ${String(max)}`,
    );
  }
  const size = sampleSize ?? 0;
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_SAMPLE_SIZE) {
    throw new RangeError(
      `Expected \`sampleSize\` to be a whole number from 0 to ${MAX_SAMPLE_SIZE}, got ${String(size)}`,
    );
  }
  return { by, name, maxValuesPerName: max, sampleSize: size };
}
