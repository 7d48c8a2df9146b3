// `compareRuns()`: per span name, how one run differs from another (`ferret diff`), with a rank
// test on the recorded durations to tell a change from noise.
import type { AnalysisRow, RunAnalysis } from './analysisTypes.js';

/** Two-sided p-value below which a latency change is reported as beyond noise. */
export const SIGNIFICANCE_LEVEL = 0.01;
/** Recorded durations per name and run below which no test is made. */
export const MIN_TEST_SAMPLE = 8;

/** One run's side of a {@link NameComparison}. */
export interface RunSide {
  calls: number;
  callsExact: boolean;
  /** `calls` over the run's duration (first span start to last span end). */
  callsPerSecond: number;
  recorded: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** 0..1 over the recorded spans. */
  errorRate: number;
}

/** The Mann-Whitney U test of one name's recorded durations in the two runs. */
export interface RankTest {
  /** Sample sizes used (uniform reservoir samples of the recorded durations). */
  baseSample: number;
  runSample: number;
  /** Normal approximation with tie correction and continuity correction. */
  z: number;
  /** Two-sided. */
  pValue: number;
  /** P(a duration of the run > one of the base) + ½ P(equal): 0.5 = no shift, > 0.5 = slower. */
  probabilityOfSlower: number;
}

/** One span name present in both runs. */
export interface NameComparison {
  name: string;
  base: RunSide;
  run: RunSide;
  /** run ÷ base − 1, or null when the base figure is 0. */
  change: {
    callsPerSecond: number | null;
    p50: number | null;
    p95: number | null;
    p99: number | null;
    /** run − base, in rate points (0..1). */
    errorRate: number;
  };
  /** Undefined when either run has fewer than {@link MIN_TEST_SAMPLE} recorded spans. */
  test?: RankTest;
  /** `slower`/`faster`: p < {@link SIGNIFICANCE_LEVEL}; `same`: not beyond noise; `untested`: too few spans. */
  verdict: 'slower' | 'faster' | 'same' | 'untested';
}

/** What {@link compareRuns} returns. */
export interface RunComparison {
  /** Names in both runs, biggest p50 change (by verdict, then |change|) first. */
  names: NameComparison[];
  /** Names recorded only in the base run. */
  onlyInBase: string[];
  /** Names recorded only in the compared run. */
  onlyInRun: string[];
}

/** A run to compare: its analysis with `sampleSize`, and its duration in ms. */
export interface ComparedRun {
  analysis: RunAnalysis;
  durationMs: number;
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 for erf; error < 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * Mann-Whitney U test of `run` against `base` (two-sided, normal approximation with tie and
 * continuity corrections). Sorts n₁ + n₂ values: bounded by the sample sizes.
 */
export function mannWhitney(base: readonly number[], run: readonly number[]): RankTest {
  const n1 = base.length;
  const n2 = run.length;
  const all = [
    ...base.map((value) => ({ value, fromRun: false })),
    ...run.map((value) => ({ value, fromRun: true })),
  ].sort((a, b) => a.value - b.value);
  const n = n1 + n2;
  let rankSumRun = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1]!.value === all[i]!.value) j++;
    const rank = (i + j + 2) / 2; // average of ranks i+1 … j+1
    const ties = j - i + 1;
    if (ties > 1) tieTerm += ties ** 3 - ties;
    for (let k = i; k <= j; k++) if (all[k]!.fromRun) rankSumRun += rank;
    i = j + 1;
  }
  const uRun = rankSumRun - (n2 * (n2 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  let z = 0;
  if (variance > 0) {
    const diff = uRun - mean;
    z = (diff - Math.sign(diff) * 0.5) / Math.sqrt(variance);
  }
  const pValue = variance > 0 ? Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))) : 1;
  return {
    baseSample: n1,
    runSample: n2,
    z,
    pValue,
    probabilityOfSlower: uRun / (n1 * n2),
  };
}

function side(row: AnalysisRow, durationMs: number): RunSide {
  return {
    calls: row.calls,
    callsExact: row.callsExact,
    callsPerSecond: durationMs > 0 ? row.calls / (durationMs / 1000) : 0,
    recorded: row.recorded,
    p50Ms: row.p50Ms,
    p95Ms: row.p95Ms,
    p99Ms: row.p99Ms,
    errorRate: row.errorRate,
  };
}

function relative(run: number, base: number): number | null {
  return base > 0 && Number.isFinite(run) ? run / base - 1 : null;
}

const VERDICT_ORDER = { slower: 0, faster: 1, same: 2, untested: 3 } as const;

/**
 * Compares two runs name by name (rows of `analyze()` without `by`, with `sampleSize`): rates,
 * percentiles, error rates, and a Mann-Whitney U test on the sampled recorded durations.
 */
export function compareRuns(base: ComparedRun, run: ComparedRun): RunComparison {
  const baseRows = new Map(base.analysis.rows.map((row) => [row.name, row]));
  const runRows = new Map(run.analysis.rows.map((row) => [row.name, row]));
  const names: NameComparison[] = [];
  for (const [name, after] of runRows) {
    const before = baseRows.get(name);
    if (before === undefined || before.recorded === 0 || after.recorded === 0) continue;
    const b = side(before, base.durationMs);
    const r = side(after, run.durationMs);
    const comparison: NameComparison = {
      name,
      base: b,
      run: r,
      change: {
        callsPerSecond: relative(r.callsPerSecond, b.callsPerSecond),
        p50: relative(r.p50Ms, b.p50Ms),
        p95: relative(r.p95Ms, b.p95Ms),
        p99: relative(r.p99Ms, b.p99Ms),
        errorRate: r.errorRate - b.errorRate,
      },
      verdict: 'untested',
    };
    const baseSample = before.sample ?? [];
    const runSample = after.sample ?? [];
    if (baseSample.length >= MIN_TEST_SAMPLE && runSample.length >= MIN_TEST_SAMPLE) {
      const test = mannWhitney(baseSample, runSample);
      comparison.test = test;
      comparison.verdict =
        test.pValue >= SIGNIFICANCE_LEVEL
          ? 'same'
          : test.probabilityOfSlower > 0.5
            ? 'slower'
            : 'faster';
    }
    names.push(comparison);
  }
  names.sort(
    (x, y) =>
      VERDICT_ORDER[x.verdict] - VERDICT_ORDER[y.verdict] ||
      Math.abs(y.change.p50 ?? 0) - Math.abs(x.change.p50 ?? 0) ||
      (x.name < y.name ? -1 : 1),
  );
  const recordedIn = (rows: Map<string, AnalysisRow>) =>
    new Set([...rows].filter(([, row]) => row.recorded > 0).map(([name]) => name));
  const inBase = recordedIn(baseRows);
  const inRun = recordedIn(runRows);
  return {
    names,
    onlyInBase: [...inBase].filter((name) => !inRun.has(name)).sort(),
    onlyInRun: [...inRun].filter((name) => !inBase.has(name)).sort(),
  };
}
