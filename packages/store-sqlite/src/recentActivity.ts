import { assertNumberAtLeast } from '@ferret/internal';
import type Database from 'better-sqlite3';
import { type CountTotals, RenamedRoots, SAMPLED_NAME_COLUMN } from './callEstimates.js';
import { LocalRoots } from './localRoots.js';
import { BUDGET } from './QueryBudget.js';
import { rootFactors } from './rootFactors.js';
import type { RowChecker } from './rowChecks.js';
import type { RecentActivity, RecentName, TimelineBucket } from './runProfileTypes.js';

/** Spans read per call at most: a window holding more is summarised over its newest spans. */
export const MAX_RECENT_SPANS = 200_000;

/**
 * Count records are appended as the profiler flushes, so in rowid order they are almost in time
 * order; reading backwards from the newest stops once records end this long before the window.
 */
const COUNT_SLACK_MS = 60_000;

/** Longest window `recent()` reads, ms. */
export const MAX_RECENT_WINDOW_MS = 3_600_000;

/** `recent()`'s window with its defaults (10 s ending now); TypeError/RangeError when invalid. */
export function assertRecentOptions(options: { windowMs?: unknown; windowEnd?: unknown }): {
  windowMs: number;
  windowEnd: number;
} {
  const windowMs = options.windowMs ?? 10_000;
  const windowEnd = options.windowEnd ?? Date.now();
  assertNumberAtLeast('windowMs', windowMs, 1000);
  if (windowMs > MAX_RECENT_WINDOW_MS) {
    throw new RangeError(
      `Expected \`windowMs\` to be at most ${MAX_RECENT_WINDOW_MS} (one hour), got ${windowMs}`,
    );
  }
  assertNumberAtLeast('windowEnd', windowEnd, 0);
  return { windowMs, windowEnd };
}

/** What one name did in the window, while it is read. */
interface NameWindow {
  /** The window's share of the name's count records (calls, recorded, dropped). */
  counted: CountTotals | undefined;
  rootWeight: number;
  roots: number;
  /** Σ weight of the child spans per name of their local root (`undefined`: not found). */
  childWeights: Map<string | undefined, number>;
  recorded: number;
  errors: number;
  durations: number[];
}

/**
 * The run's activity over `[windowEnd - windowMs, windowEnd)`, reading only that window: the
 * spans through the `(run_key, start_time)` index and the count records backwards by rowid.
 * Spans are attributed to the second they started in; count records are shared among the seconds
 * their interval overlaps. A stored weight outside 1…2^20 is a damaged file (`check.weight`).
 * Calls are estimated as `analyze()` does, over the window: exact counts for root names, a
 * child's weight scaled by its local root's factor (the window's calls ÷ Σ root weight; a child
 * whose root started before the window keeps its weight).
 */
export function readRecentActivity(
  db: Database.Database,
  check: RowChecker,
  runKey: number,
  runId: string,
  windowEnd: number,
  windowMs: number,
): RecentActivity {
  const windowStart = windowEnd - windowMs;
  const firstSecond = Math.floor(windowStart / 1000) * 1000;
  const secondCount = Math.max(1, Math.ceil((windowEnd - firstSecond) / 1000));
  const seconds: TimelineBucket[] = Array.from({ length: secondCount }, (_, i) => ({
    startTime: firstSecond + i * 1000,
    calls: 0,
    recorded: 0,
    dropped: 0,
    stored: 0,
  }));
  const byName = new Map<string, NameWindow>();
  const windowOf = (name: string): NameWindow => {
    let entry = byName.get(name);
    if (entry === undefined) {
      entry = {
        counted: undefined,
        rootWeight: 0,
        childWeights: new Map(),
        roots: 0,
        recorded: 0,
        errors: 0,
        durations: [],
      };
      byName.set(name, entry);
    }
    return entry;
  };
  const secondOf = (time: number) => seconds[Math.floor((time - firstSecond) / 1000)];

  let hasCounts = false;
  const counts = db
    .prepare(
      `SELECT name, calls, recorded, dropped, interval_start, interval_end FROM counts
       WHERE ${BUDGET} AND run_key = ? ORDER BY rowid DESC`,
    )
    .raw()
    .iterate(runKey) as IterableIterator<[string, unknown, unknown, unknown, number, number]>;
  for (const [name, rawCalls, rawRecorded, rawDropped, start, end] of counts) {
    const { calls, recorded, dropped } = check.countTotals(rawCalls, rawRecorded, rawDropped);
    if (end < windowStart - COUNT_SLACK_MS) break;
    const overlap = Math.min(end, windowEnd) - Math.max(start, windowStart);
    const length = end - start;
    if (overlap < 0 || (overlap === 0 && length > 0)) continue;
    hasCounts = true;
    const share = length > 0 ? overlap / length : 1;
    const entry = windowOf(name);
    entry.counted ??= { calls: 0, recorded: 0, dropped: 0 };
    entry.counted.calls += calls * share;
    entry.counted.recorded += recorded * share;
    entry.counted.dropped += dropped * share;
    for (const second of seconds) {
      const from = Math.max(start, second.startTime, windowStart);
      const to = Math.min(end, second.startTime + 1000, windowEnd);
      const part =
        length > 0 ? Math.max(to - from, 0) / length : start >= from && start < to ? 1 : 0;
      if (part === 0) continue;
      second.calls += calls * part;
      second.recorded += recorded * part;
      second.dropped += dropped * part;
    }
  }

  // Newest first, so a window with more spans than the bound keeps its most recent ones.
  const spans = db
    .prepare(
      `SELECT trace_id, span_id, parent_span_id, name, duration, status, weight, start_time, is_root,
         ${SAMPLED_NAME_COLUMN} FROM spans
       WHERE ${BUDGET} AND run_key = ? AND start_time >= ? AND start_time < ? ORDER BY start_time DESC`,
    )
    .raw()
    .iterate(runKey, windowStart, windowEnd) as IterableIterator<
    [string, string, string | null, string, number, number, number, number, number, unknown]
  >;
  let read = 0;
  let truncated = false;
  const renamed = new RenamedRoots();
  // A child's weight is scaled by its local root's factor, as analyze() scales it. Read newest
  // first, children come before their parent and wait for it; memory stays within the spans read.
  const localRoots = new LocalRoots<[NameWindow, number] | undefined>((child, rootName) => {
    if (child === undefined) return;
    const [entry, weight] = child;
    entry.childWeights.set(rootName, (entry.childWeights.get(rootName) ?? 0) + weight);
  });
  for (const [
    traceId,
    spanId,
    parentSpanId,
    name,
    duration,
    status,
    weight,
    start,
    isRoot,
    sampledName,
  ] of spans) {
    if (read >= MAX_RECENT_SPANS) {
      truncated = true;
      break;
    }
    read++;
    check.spanRow(name, start, duration, status, weight);
    const entry = windowOf(name);
    entry.recorded++;
    localRoots.add(
      traceId,
      spanId,
      parentSpanId,
      isRoot === 1,
      name,
      start,
      start + Math.max(0, duration),
      isRoot === 1 ? undefined : [entry, weight],
    );
    if (isRoot === 1) {
      entry.rootWeight += weight;
      entry.roots++;
      if (sampledName !== null) renamed.add(name, sampledName, weight);
    }
    if (status === 1) entry.errors++;
    entry.durations.push(duration);
    const second = secondOf(start);
    if (second !== undefined) second.stored++;
  }

  // Count records of a name whose roots were renamed (HTTP routes) go to the names they are
  // stored under; a counted name whose roots all were renamed keeps no line.
  const counted = new Map<string, CountTotals>();
  for (const [name, entry] of byName)
    if (entry.counted !== undefined) counted.set(name, entry.counted);
  localRoots.finish();
  const { counts: countsByName, factors } = rootFactors(
    counted,
    [...byName].map(([name, entry]): [string, number, number] => [
      name,
      entry.rootWeight,
      entry.roots,
    ]),
    renamed,
  );
  const names: RecentName[] = [];
  for (const [name, entry] of byName) {
    const counts = countsByName.get(name);
    if (counts === undefined && entry.counted !== undefined && entry.recorded === 0) continue;
    entry.durations.sort((a, b) => a - b);
    const { durations } = entry;
    let childCalls = 0;
    for (const [rootName, weight] of entry.childWeights) {
      childCalls += weight * (rootName === undefined ? 1 : (factors.get(rootName) ?? 1));
    }
    names.push({
      name,
      calls:
        Math.round(counts !== undefined ? counts.calls : entry.rootWeight) + Math.round(childCalls),
      callsExact:
        counts !== undefined && counts.estimated !== true && entry.roots === entry.recorded,
      recorded: entry.recorded,
      p95Ms:
        durations.length === 0
          ? 0
          : durations[Math.min(durations.length - 1, Math.ceil(durations.length * 0.95) - 1)]!,
      errors: entry.errors,
    });
  }
  names.sort((a, b) => b.calls - a.calls || b.recorded - a.recorded || (a.name < b.name ? -1 : 1));
  return { runId, windowEnd, windowMs, seconds, names, hasCounts, truncated };
}
