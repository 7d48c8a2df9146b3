import { assertIntegerAtLeast, assertOptionsObject } from '@ferret/internal';
import type Database from 'better-sqlite3';
import { RenamedRoots, SAMPLED_NAME_COLUMN } from './callEstimates.js';
import { NameAccumulator, UNPACKED_NAMES } from './NameAccumulator.js';
import { BUDGET } from './QueryBudget.js';
import { DEFAULT_PROFILE_LIMITS, RunProfileBuilder } from './RunProfileBuilder.js';
import type { NameSummary, RunInfo } from './readerTypes.js';
import type { RowChecker } from './rowChecks.js';
import { forEachRow } from './rowSink.js';
import type { LatencyHistogram, RunProfile, RunProfileLimits } from './runProfileTypes.js';
import { TimelineBuilder } from './TimelineBuilder.js';

/** What one pass over a run's spans produced, before the call estimates are applied. */
export interface RunPass {
  byName: Map<string, NameAccumulator>;
  truncatedChildren: number;
  /** Roots stored under another name than the one they were counted under. */
  renamed: RenamedRoots;
  builder: RunProfileBuilder;
  finished: ReturnType<RunProfileBuilder['finish']>;
}

type ProfileRow = [
  string,
  string,
  string | null,
  string,
  number,
  number,
  number,
  number,
  number,
  number | null,
  unknown,
];

/**
 * Reads one run's spans once, in storage order (`source` is the table expression the reader
 * chose: the run index or a plain scan), feeding the per-name accumulators of the summary and the
 * profile builder (stacks, histograms, timeline, slowest traces). The count records are read
 * first, for the timeline's range and its calls/recorded/dropped. A span row or count record the
 * writer never writes is a damaged file (`check.spanRow`, `check.countTotals`), as in the other
 * readers.
 */
export function readRunPass(
  db: Database.Database,
  runKey: number,
  source: string,
  run: { firstStartTime: number; lastEndTime: number; runId: string },
  limits: RunProfileLimits,
  check: RowChecker,
): RunPass {
  const range = db
    .prepare(
      `SELECT min(interval_start) AS first, max(interval_end) AS last FROM counts WHERE ${BUDGET} AND run_key = ?`,
    )
    .get(runKey) as { first: number | null; last: number | null };
  const start = Math.min(run.firstStartTime, range.first ?? Number.POSITIVE_INFINITY);
  const end = Math.max(run.lastEndTime, range.last ?? Number.NEGATIVE_INFINITY);
  const timeline = new TimelineBuilder(
    Number.isFinite(start) ? start : 0,
    Number.isFinite(end) ? Math.max(end, start) : 0,
    limits.timelineBuckets,
  );
  const counts = db
    .prepare(
      `SELECT interval_start, interval_end, calls, recorded, dropped FROM counts WHERE ${BUDGET} AND run_key = ?`,
    )
    .raw()
    .iterate(runKey) as IterableIterator<[unknown, unknown, unknown, unknown, unknown]>;
  for (const [from, to, calls, recorded, dropped] of counts) {
    const checked = check.countTotals(calls, recorded, dropped);
    timeline.addCounts(
      check.number(from, 'counts.interval_start'),
      check.number(to, 'counts.interval_end'),
      checked.calls,
      checked.recorded,
      checked.dropped,
    );
  }

  const builder = new RunProfileBuilder(run.runId, limits, timeline);
  const byName = new Map<string, NameAccumulator>();
  let truncatedChildren = 0;
  const renamed = new RenamedRoots();
  forEachRow<ProfileRow>(
    db,
    {
      columns: `trace_id, span_id, parent_span_id, name, start_time, duration, status, weight,
                is_root, truncated_children, ${SAMPLED_NAME_COLUMN}`,
      from: source,
      where: 'run_key = @runKey',
      params: { runKey },
    },
    (
      traceId,
      spanId,
      parentSpanId,
      name,
      startTime,
      duration,
      status,
      weight,
      isRoot,
      truncated,
      sampledName,
    ) => {
      check.spanRow(name, startTime, duration, status, weight);
      let accumulator = byName.get(name);
      if (accumulator === undefined) {
        accumulator = new NameAccumulator(byName.size >= UNPACKED_NAMES);
        byName.set(name, accumulator);
      }
      accumulator.add(duration, status === 1, weight, isRoot === 1);
      if (truncated !== null)
        truncatedChildren += check.integer(truncated, 'spans.truncated_children');
      if (sampledName !== null) renamed.add(name, sampledName, weight);
      builder.addSpan(
        traceId,
        spanId,
        parentSpanId,
        name,
        startTime,
        duration,
        status === 1,
        weight,
        isRoot === 1,
      );
    },
  );
  const finished = builder.finish();
  return {
    byName,
    truncatedChildren,
    renamed,
    builder,
    finished,
  };
}

/**
 * The profile of a run from its pass, its finished summary rows and the root names' factors the
 * summary scaled its calls by (the stack tree is scaled by the same ones).
 */
export function profileFromPass(
  run: RunInfo,
  summary: NameSummary[],
  factors: ReadonlyMap<string, number>,
  pass: RunPass,
  limits: RunProfileLimits,
): RunProfile {
  const latency: LatencyHistogram[] = [];
  let namesWithoutHistogram = 0;
  for (const row of summary) {
    const histogram = pass.builder.latency(row.name);
    if (histogram !== undefined) latency.push(histogram);
    else if (row.recorded > 0) namesWithoutHistogram++;
  }
  const { timeline, slowestTraces, omitted } = pass.finished;
  const stacks = pass.builder.stacks(factors);
  return {
    run,
    summary,
    stacks,
    timeline,
    latency,
    slowestTraces,
    limits,
    omitted: { ...omitted, namesWithoutHistogram },
  };
}

/** The profile bounds: the defaults with the caller's overrides, each a whole number ≥ 1. */
export function profileLimits(overrides: unknown): RunProfileLimits {
  assertOptionsObject('limits', overrides);
  const limits: RunProfileLimits = { ...DEFAULT_PROFILE_LIMITS };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (!Object.hasOwn(DEFAULT_PROFILE_LIMITS, key)) {
      throw new TypeError(
        `Unknown profile limit \`${key}\` (known: ${Object.keys(DEFAULT_PROFILE_LIMITS).join(', ')})`,
      );
    }
    if (value === undefined) continue;
    assertIntegerAtLeast(`limits.${key}`, value, 1);
    limits[key as keyof RunProfileLimits] = value;
  }
  return limits;
}
