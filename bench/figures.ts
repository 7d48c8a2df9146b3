/**
 * Figures quoted in the docs, taken from the benchmark results. A page marks each figure it
 * quotes, `<!-- bench:profiler.dropped-vs-floor -->1.03<!-- /bench -->`; `pnpm bench --write`
 * (run.ts) stores the results in `docs/benchmarks.json` and rewrites every marked span from them,
 * and `test/benchFigures.test.ts` fails when a marked span disagrees with the JSON.
 *
 * A figure names its scenario by file (`profiler` for `scenarios/profiler.bench.ts`) and a
 * measurement or goal by its exact text, so renaming one in a scenario makes `--write` fail here
 * instead of leaving a stale figure in the docs.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatNumber, type ScenarioResult } from './harness.js';

/** Where a figure comes from. */
export type FigureSource =
  /** A measurement's value, optionally scaled (e.g. `1 / 64` for a per-await figure). */
  | { scenario: string; measurement: string; scale?: number }
  /** A goal's measured ratio (`actual`) or its outcome (`PASS`/`MISS`). */
  | { scenario: string; goal: string; show: 'actual' | 'result' }
  /** One measurement divided by another. */
  | { scenario: string; ratio: readonly [string, string] };

/** What `docs/benchmarks.json` holds. */
export interface BenchmarkFile {
  /** How it was made. */
  generatedBy: string;
  /** Each scenario's last result, by scenario file name, with the run it came from. */
  scenarios: Record<string, ScenarioResult & { node: string; date: string; quick: boolean }>;
  /** Every figure of {@link FIGURES}, formatted as the docs show it. */
  figures: Record<string, string>;
}

const PROFILER_FLOOR = 'floor: performance.now() + AsyncLocalStorage.run';
const OTEL_OFF = 'OTel AlwaysOff startActiveSpan+end';
const DROPPED_VS_OTEL_OFF = 'dropped measure() / OTel AlwaysOff startActiveSpan+end';
const SAMPLED_GOAL = 'rate-limited / constant sampler with one attribute, startSpan+end, sampled';
const EMPTY_GOAL = 'rate-limited (empty bucket) / AlwaysOff, startSpan+end';

/** The figures the docs may mark, by key. */
export const FIGURES: Readonly<Record<string, FigureSource>> = {
  // profiler: measure()
  'profiler.dropped-ns': {
    scenario: 'profiler',
    measurement: 'measure() dropped root (empty bucket)',
  },
  'profiler.floor-ns': { scenario: 'profiler', measurement: PROFILER_FLOOR },
  'profiler.dropped-vs-floor': {
    scenario: 'profiler',
    goal: 'dropped measure() / (performance.now() + AsyncLocalStorage.run)',
    show: 'actual',
  },
  'profiler.dropped-vs-otel-off': {
    scenario: 'profiler',
    goal: DROPPED_VS_OTEL_OFF,
    show: 'actual',
  },
  'profiler.dropped-vs-otel-off.result': {
    scenario: 'profiler',
    goal: DROPPED_VS_OTEL_OFF,
    show: 'result',
  },
  'profiler.otel-off-ns': { scenario: 'profiler', measurement: OTEL_OFF },
  'profiler.otel-off-floors': { scenario: 'profiler', ratio: [OTEL_OFF, PROFILER_FLOOR] },
  'profiler.child-of-dropped-ns': {
    scenario: 'profiler',
    measurement: 'measure() child of a dropped root',
  },
  'profiler.recorded-ns': {
    scenario: 'profiler',
    measurement: 'measure() recorded, per span (hand-off included)',
  },
  'profiler.otel-on-ns': {
    scenario: 'profiler',
    measurement: 'OTel AlwaysOn startActiveSpan+end, per span',
  },
  'profiler.recorded-vs-otel-on': {
    scenario: 'profiler',
    goal: 'recorded measure() / OTel AlwaysOn startActiveSpan+end',
    show: 'actual',
  },
  'profiler.loop-p99-growth-ms': {
    scenario: 'profiler',
    goal: 'event-loop p99 delay growth with the SQLite sink at 10,000 spans/s (ms)',
    show: 'actual',
  },
  'profiler.await-extra-ns': {
    scenario: 'profiler',
    measurement: 'extra cost per await with an AsyncLocalStorage active',
  },
  'profiler.await-before-ns': {
    scenario: 'profiler',
    measurement: '64 awaits, no AsyncLocalStorage active',
    scale: 1 / 64,
  },
  'profiler.await-after-ns': {
    scenario: 'profiler',
    measurement: '64 awaits, inside AsyncLocalStorage.run',
    scale: 1 / 64,
  },
  // floors
  'clock.performance-now-ns': { scenario: 'clock', measurement: 'performance.now()' },
  // sampler-otel
  'sampler.sampled-vs-anchor': { scenario: 'sampler-otel', goal: SAMPLED_GOAL, show: 'actual' },
  'sampler.sampled-vs-anchor.result': {
    scenario: 'sampler-otel',
    goal: SAMPLED_GOAL,
    show: 'result',
  },
  'sampler.sampled-ns': {
    scenario: 'sampler-otel',
    measurement: 'ParentBased(RateLimitingSampler) under budget startSpan+end',
  },
  'sampler.anchor-sampled-ns': {
    scenario: 'sampler-otel',
    measurement: 'ParentBased(constant sampler, one attribute) startSpan+end',
  },
  'sampler.empty-vs-off': { scenario: 'sampler-otel', goal: EMPTY_GOAL, show: 'actual' },
  'sampler.empty-vs-off.result': { scenario: 'sampler-otel', goal: EMPTY_GOAL, show: 'result' },
  'sampler.empty-ns': {
    scenario: 'sampler-otel',
    measurement: 'ParentBased(RateLimitingSampler) empty bucket startSpan+end',
  },
  'sampler.off-ns': {
    scenario: 'sampler-otel',
    measurement: 'ParentBased(AlwaysOff) startSpan+end',
  },
  'sampler.decision-ns': {
    scenario: 'sampler-otel',
    measurement: 'RateLimitingSampler.shouldSample under budget',
  },
  'sampler.constant-decision-ns': {
    scenario: 'sampler-otel',
    measurement: 'constant sampler (one attribute).shouldSample',
  },
  'sampler.ratio-decision-ns': {
    scenario: 'sampler-otel',
    measurement: 'TraceIdRatioBased(1).shouldSample',
  },
  'sampler.empty-decision-ns': {
    scenario: 'sampler-otel',
    measurement: 'RateLimitingSampler.shouldSample empty bucket',
  },
  'sampler.alwaysoff-decision-ns': {
    scenario: 'sampler-otel',
    measurement: 'AlwaysOffSampler.shouldSample',
  },
  // ratelimit
  'ratelimit.tokenbucket-vs-minimal': {
    scenario: 'ratelimit',
    goal: 'TokenBucket.tryTake() / minimal lazy bucket',
    show: 'actual',
  },
  'ratelimit.shared-vs-tokenbucket': {
    scenario: 'ratelimit',
    ratio: ['SharedTokenBucket.tryTake()', 'TokenBucket.tryTake()'],
  },
  'ratelimit.sliding-bytes-per-key': {
    scenario: 'ratelimit',
    measurement: 'SlidingWindowLimiter bytes per live key (precision 10)',
  },
  // store-sqlite
  'store.write-host-ns': {
    scenario: 'store-sqlite',
    measurement: 'host-thread time in write() per span (worker does the rest)',
  },
};

/** A marked figure in a page: `<!-- bench:key -->text<!-- /bench -->`. */
export const MARKER = /<!-- bench:([\w.-]+) -->([^<]*)<!-- \/bench -->/g;

/** Every figure of {@link FIGURES}, formatted; throws naming each figure it cannot find. */
export function figuresFrom(scenarios: BenchmarkFile['scenarios']): Record<string, string> {
  const figures: Record<string, string> = {};
  const missing: string[] = [];
  for (const [key, source] of Object.entries(FIGURES)) {
    const result = scenarios[source.scenario];
    const value = result === undefined ? undefined : figureOf(result, source);
    if (value === undefined) missing.push(`${key} (${JSON.stringify(source)})`);
    else figures[key] = value;
  }
  if (missing.length > 0) {
    throw new Error(`benchmark figures not found in the results:\n  ${missing.join('\n  ')}`);
  }
  return figures;
}

/** `text` with every marked figure replaced by its value; `unknown` lists keys with no figure. */
export function rewriteMarkers(
  text: string,
  figures: Readonly<Record<string, string>>,
): { text: string; unknown: string[] } {
  const unknown: string[] = [];
  const rewritten = text.replace(MARKER, (whole, key: string) => {
    const figure = figures[key];
    if (figure === undefined) {
      unknown.push(key);
      return whole;
    }
    return `<!-- bench:${key} -->${figure}<!-- /bench -->`;
  });
  return { text: rewritten, unknown };
}

function figureOf(result: ScenarioResult, source: FigureSource): string | undefined {
  const measured = (name: string) => result.measurements.find((m) => m.name === name)?.value;
  if ('goal' in source) {
    const goal = result.goals.find((g) => g.description === source.goal);
    if (goal === undefined) return undefined;
    return source.show === 'result' ? (goal.pass ? 'PASS' : 'MISS') : formatNumber(goal.actual);
  }
  if ('ratio' in source) {
    const a = measured(source.ratio[0]);
    const b = measured(source.ratio[1]);
    return a === undefined || b === undefined ? undefined : formatNumber(a / b);
  }
  const value = measured(source.measurement);
  return value === undefined ? undefined : formatNumber(value * (source.scale ?? 1));
}

/** The pages that may mark figures: every Markdown page under docs/, and the READMEs of the root, packages and examples. */
export function markedPages(root: string): string[] {
  const pages = readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.md'))
    .map((file) => join(root, 'docs', file));
  pages.push(join(root, 'README.md'));
  for (const parent of ['packages', 'examples']) {
    for (const name of readdirSync(join(root, parent))) {
      const readme = join(root, parent, name, 'README.md');
      if (existsSync(readme)) pages.push(readme);
    }
  }
  return pages.sort();
}
