// Traces recorded by the profiler but lost before the file (a full queue, failed sink writes):
// the stored traces stand for them in the child estimates, whether or not the budget dropped
// anything, and the reader says how many are missing.
import { join } from 'node:path';
import { type CountRecord, Profiler, type SpanRecord } from '@ferret/profiler';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type NameSummary,
  openSpanReader,
  type SpanReader,
  SqliteSpanStore,
} from '../src/index.js';
import { SqliteSpanReader } from '../src/SqliteSpanReader.js';
import { temporaryDirectory } from './helpers.js';

let tmp: ReturnType<typeof temporaryDirectory>;
let reader: SpanReader | undefined;
beforeEach(() => {
  tmp = temporaryDirectory();
});
afterEach(() => {
  reader?.close();
  reader = undefined;
  tmp.cleanup();
});

function rowsOf(r: SpanReader): Record<string, NameSummary> {
  const pick = (rows: NameSummary[]) =>
    Object.fromEntries(rows.map((row) => [row.name, [row.calls, row.callsExact]] as const));
  const summary = r.summary();
  // The three readers agree.
  expect(pick(r.analyze().rows)).toEqual(pick(summary));
  expect(pick(r.profile().summary)).toEqual(pick(summary));
  return Object.fromEntries(summary.map((row) => [row.name, row]));
}

/** `work` roots, each with exactly one `inner` child. */
function traces(profiler: Profiler, n: number): void {
  for (let i = 0; i < n; i++) profiler.measure('work', () => profiler.measure('inner', () => i));
}

describe('traces lost after sampling', () => {
  it('a full queue (budget Infinity, nothing sampled away): the children still count every call, and the run says traces are missing', async () => {
    const path = join(tmp.dir, 'queue.db');
    const store = new SqliteSpanStore({ path, worker: false });
    // 64 spans fit in the queue; a synchronous loop of 3,000 traces overflows it.
    const profiler = new Profiler({
      sink: store,
      runId: 'queue',
      maxSpansPerSecond: Number.POSITIVE_INFINITY,
      maxQueueSize: 64,
      flushIntervalMs: 60_000,
      onError: () => {},
    });
    traces(profiler, 3000);
    await profiler.close();
    const stats = profiler.stats();
    expect(stats.droppedByQueue).toBeGreaterThan(5000);

    reader = openSpanReader(path);
    const rows = rowsOf(reader);
    const stored = rows.work!.recorded;
    expect(stored).toBeLessThan(100);
    expect(rows.work).toMatchObject({ calls: 3000, callsExact: true });
    // One inner per work: ≈3,000 (before: the stored count, ≈32).
    expect(rows.inner!.calls).toBeGreaterThanOrEqual(2700);
    expect(rows.inner!.calls).toBeLessThanOrEqual(3300);
    expect(rows.inner!.callsExact).toBe(false);
    expect(reader.analyze().missingTraces).toBe(3000 - stored);
    expect(reader.runs()[0]!.missingTraces).toBe(3000 - stored);
    expect(reader.profile().run.missingTraces).toBe(3000 - stored);
  });

  it('failed sink writes: the same scale whether the budget dropped one call or none', async () => {
    /** A store whose every other span write fails (a full disk, say); count records get through. */
    const failing = (path: string) => {
      const store = new SqliteSpanStore({ path, worker: false });
      let writes = 0;
      return {
        write(spans: readonly SpanRecord[]) {
          if (writes++ % 2 === 1) throw new Error('ENOSPC: no space left on device');
          return store.write(spans);
        },
        writeCounts: (counts: readonly CountRecord[]) => store.writeCounts(counts),
        close: () => store.close(),
      };
    };
    const inner: number[] = [];
    for (const budget of ['none dropped', 'one dropped']) {
      const path = join(tmp.dir, `${budget}.db`);
      const profiler = new Profiler({
        sink: failing(path),
        runId: budget,
        maxSpansPerSecond: Number.POSITIVE_INFINITY,
        maxBatchSize: 20,
        flushIntervalMs: 60_000,
        onError: () => {},
      });
      for (let round = 0; round < 20; round++) {
        traces(profiler, 50);
        await profiler.flush();
      }
      if (budget === 'one dropped') {
        // One more call of the root name, dropped by the budget.
        profiler.setMaxSpansPerSecond(1e-9, 1);
        profiler.measure('work', () => 0);
        profiler.measure('work', () => 0);
      }
      await profiler.close();
      expect(profiler.stats().droppedBySink).toBeGreaterThan(500);

      const r = openSpanReader(path);
      try {
        const rows = rowsOf(r);
        const calls = budget === 'one dropped' ? 1002 : 1000;
        expect(rows.work).toMatchObject({ calls, callsExact: true });
        expect(rows.work!.recorded).toBeLessThan(600);
        inner.push(rows.inner!.calls);
        expect(r.analyze().missingTraces).toBe(
          calls - (budget === 'one dropped' ? 1 : 0) - rows.work!.recorded,
        );
      } finally {
        r.close();
      }
    }
    // One inner per work: ≈1,000 both times (before: ≈500 with nothing dropped, ≈1,000 with one).
    for (const calls of inner) {
      expect(calls).toBeGreaterThanOrEqual(900);
      expect(calls).toBeLessThanOrEqual(1100);
    }
  });
});

describe('runs() over many runs with count records', () => {
  /** `runs` runs, each counting 4 recorded `op` roots of which 3 are stored. */
  async function manyRuns(runs: number): Promise<string> {
    const path = join(tmp.dir, `runs-${runs}.db`);
    await new SqliteSpanStore({ path, worker: false }).close();
    const db = new Database(path);
    try {
      db.exec(`
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${runs})
        INSERT INTO runs (run_key, run_id, first_start, last_end, span_count)
        SELECT i, 'run-' || i, 1e12 + i, 1e12 + i + 1, 3 FROM n;
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${runs})
        INSERT INTO counts (run_key, name, calls, recorded, dropped, interval_start, interval_end)
        SELECT i, 'op', 4, 4, 0, 1e12, 1e12 + 1 FROM n;
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${3 * runs - 1})
        INSERT INTO spans (run_key, trace_id, span_id, parent_span_id, is_root, name, start_time,
                           duration, status, weight, pid, thread_id)
        SELECT 1 + i % ${runs}, printf('%032x', i), printf('%016x', i), NULL, 1, 'op', 1e12 + i,
               1, 0, 1, 1, 0 FROM n;`);
    } finally {
      db.close();
    }
    return path;
  }

  async function runsOf(runs: number) {
    const path = await manyRuns(runs);
    const db = new Database(path, { readonly: true });
    const prepare = vi.spyOn(db, 'prepare');
    const r = new SqliteSpanReader(path, db, 60_000);
    try {
      return { result: r.runs(), statements: prepare.mock.calls.length };
    } finally {
      r.close();
    }
  }

  it("prepares the same statements for 20 runs as for 2,000, and finds each run's missing trace", async () => {
    const few = await runsOf(20);
    const many = await runsOf(2000);
    expect(many.statements).toBe(few.statements);
    expect(many.statements).toBeLessThan(10);
    expect(many.result).toHaveLength(2000);
    for (const run of many.result) {
      expect(run).toMatchObject({ rootCalls: 4, recordedTraces: 4, missingTraces: 1 });
    }
  });
});
