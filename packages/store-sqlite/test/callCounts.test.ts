// Calls per name and per run: exact where the profiler's count records cover them (root names),
// estimated from sampling weights where they do not (children, OpenTelemetry spans).
import { join } from 'node:path';
import type { CountRecord, SpanRecord } from '@ferret/profiler';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type NameSummary,
  openSpanReader,
  type SpanReader,
  SqliteSpanStore,
} from '../src/index.js';
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

const T0 = 1_750_000_000_000;
let seq = 0;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

function spanOf(
  fields: Pick<SpanRecord, 'name' | 'runId' | 'traceId'> & Partial<SpanRecord>,
): SpanRecord {
  seq++;
  return {
    spanId: hex(seq, 16),
    startTime: T0 + seq,
    duration: 2,
    status: 'ok',
    attributes: {},
    pid: 7,
    threadId: 0,
    weight: 1,
    ...fields,
  };
}

/**
 * A trace as the profiler records it: a root admitted with `weight` (calls ÷ recorded of its
 * name over the window), and children carrying the root's weight.
 */
function trace(
  runId: string,
  rootName: string,
  weight: number,
  childNames: string[],
  extra: Partial<SpanRecord> = {},
): SpanRecord[] {
  const traceId = hex(++seq, 32);
  const root = spanOf({ name: rootName, runId, traceId, weight, duration: 10, ...extra });
  return [
    root,
    ...childNames.map((name) =>
      spanOf({ name, runId, traceId, weight, parentSpanId: root.spanId, duration: 1 }),
    ),
  ];
}

function count(
  runId: string,
  name: string,
  calls: number,
  recorded: number,
  interval = 0,
): CountRecord {
  return {
    name,
    calls,
    recorded,
    dropped: calls - recorded,
    intervalStart: T0 + interval * 1000,
    intervalEnd: T0 + (interval + 1) * 1000,
    runId,
  };
}

async function write(spans: SpanRecord[], counts: CountRecord[]): Promise<SpanReader> {
  const path = join(tmp.dir, 'ferret.db');
  const errors: unknown[] = [];
  const store = new SqliteSpanStore({ path, worker: false, onError: (e) => errors.push(e) });
  store.write(spans);
  store.writeCounts(counts);
  await store.close();
  expect(errors).toEqual([]);
  reader = openSpanReader(path);
  return reader;
}

function byName(rows: NameSummary[]): Record<string, NameSummary> {
  return Object.fromEntries(rows.map((row) => [row.name, row]));
}

describe('calls with sampling and a trace lost before storage', () => {
  // GET /users: 10 root calls over two intervals, 4 admitted (6 → 2 at weight 3, 4 → 2 at
  // weight 2), one admitted trace (weight 2) lost in a queue, so 3 roots are stored.
  // cache.get: 5 root calls, all recorded (weight 1), and once a child inside a weight-3 trace.
  function sampledRun(): { spans: SpanRecord[]; counts: CountRecord[] } {
    const spans = [
      ...trace('svc', 'GET /users', 3, ['db.query', 'db.query', 'render', 'cache.get']),
      ...trace('svc', 'GET /users', 3, ['db.query', 'db.query', 'render']),
      ...trace('svc', 'GET /users', 2, ['db.query', 'db.query', 'render']),
      // (the fourth admitted GET /users trace, weight 2, never reached the store)
    ];
    for (let i = 0; i < 5; i++) spans.push(...trace('svc', 'cache.get', 1, []));
    const counts = [
      count('svc', 'GET /users', 6, 2, 0),
      count('svc', 'GET /users', 4, 2, 1),
      count('svc', 'cache.get', 5, 5, 0),
    ];
    return { spans, counts };
  }

  it('root names: calls are the count records summed, exact, even with a trace lost', async () => {
    const { spans, counts } = sampledRun();
    const rows = byName((await write(spans, counts)).summary());
    expect(rows['GET /users']).toMatchObject({
      calls: 10,
      callsExact: true,
      recorded: 3,
      dropped: 7,
      totalMs: 30,
      // Σ duration × weight, 10 × (3 + 3 + 2) = 80, scaled by exact calls ÷ Σ root weights
      // (10 ÷ 8): the lost trace's share goes to the stored ones, 10 calls × 10 ms.
      estimatedTotalMs: 100,
    });
  });

  it("child names: Σ weight scaled by the root name's exact calls ÷ Σ root weights", async () => {
    const { spans, counts } = sampledRun();
    const rows = byName((await write(spans, counts)).summary());
    // Two per trace: (2 × 3 + 2 × 3 + 2 × 2) × 10 / 8 = 20, two for each of the 10 calls.
    expect(rows['db.query']).toMatchObject({
      calls: 20,
      callsExact: false,
      recorded: 6,
      dropped: 14,
    });
    expect(rows.render).toMatchObject({ calls: 10, callsExact: false, recorded: 3, dropped: 7 });
  });

  it('a name that is both a root and a child adds its exact root calls and its estimate', async () => {
    const { spans, counts } = sampledRun();
    const rows = byName((await write(spans, counts)).summary());
    // 5 counted root calls + one stored child span of weight 3 under GET /users (× 10 / 8).
    expect(rows['cache.get']).toMatchObject({ calls: 9, callsExact: false, recorded: 6 });
  });

  it('runs(): root calls from the count records, spans as stored', async () => {
    const { spans, counts } = sampledRun();
    expect((await write(spans, counts)).runs()).toEqual([
      expect.objectContaining({
        runId: 'svc',
        spanCount: spans.length,
        rootCalls: 15,
        calls: 15,
        callsExact: true,
      }),
    ]);
  });
});

describe('a trace with two local roots (OpenTelemetry spans under remote parents)', () => {
  // One trace: GET /a (4 calls, 1 recorded: factor 4), then consume (2 calls, 1 recorded:
  // factor 2) as a second local root; db.query (weight 1) under GET /a stands for 4 calls.
  function twoRoots(): { spans: SpanRecord[]; counts: CountRecord[] } {
    const traceId = hex(++seq, 32);
    const first = spanOf({ name: 'GET /a', runId: 'otel', traceId, duration: 10 });
    const second = spanOf({ name: 'consume', runId: 'otel', traceId, duration: 10 });
    const child = spanOf({
      name: 'db.query',
      runId: 'otel',
      traceId,
      parentSpanId: first.spanId,
      duration: 1,
    });
    return {
      spans: [first, second, child],
      counts: [count('otel', 'GET /a', 4, 1), count('otel', 'consume', 2, 1)],
    };
  }

  it('summary() scales each child once, by the earliest root (was once per root: 5 calls)', async () => {
    const { spans, counts } = twoRoots();
    const reader = await write(spans, counts);
    expect(byName(reader.summary())['db.query']).toMatchObject({ calls: 4, recorded: 1 });
    // The streaming passes follow the child's own parent chain and agree.
    expect(byName(reader.profile().summary)['db.query']).toMatchObject({ calls: 4 });
    const analyzed = reader.analyze().rows.find((row) => row.name === 'db.query');
    expect(analyzed).toMatchObject({ calls: 4 });
  });

  it('the earliest root with count records scales the children (an earlier one has none)', async () => {
    // An HTTP server span is counted under the name it had when sampled ('GET') and stored
    // renamed ('GET /a'): the later root's factor still applies to the trace's children.
    const { spans } = twoRoots();
    const reader = await write(spans, [count('otel', 'consume', 2, 1)]);
    expect(byName(reader.summary())['db.query']).toMatchObject({ calls: 2 });
  });
});

describe('when estimates are exact', () => {
  it('a run that dropped nothing: children of weight 1 are exact counts', async () => {
    const spans = [
      ...trace('clean', 'job', 1, ['step', 'step']),
      ...trace('clean', 'job', 1, ['step']),
    ];
    const rows = byName((await write(spans, [count('clean', 'job', 2, 2)])).summary());
    expect(rows.job).toMatchObject({ calls: 2, callsExact: true, dropped: 0 });
    expect(rows.step).toMatchObject({ calls: 3, callsExact: true, recorded: 3, dropped: 0 });
  });

  it('not when a root reports truncated children (the per-trace cap cut them)', async () => {
    const spans = [
      ...trace('cut', 'job', 1, ['step'], { truncatedChildren: 4 }),
      ...trace('cut', 'job', 1, ['step']),
    ];
    const rows = byName((await write(spans, [count('cut', 'job', 2, 2)])).summary());
    expect(rows.job).toMatchObject({ calls: 2, callsExact: true });
    expect(rows.step).toMatchObject({ calls: 2, callsExact: false });
  });

  it('not when an admitted trace never reached the file (its children went with it)', async () => {
    const spans = trace('lossy', 'job', 1, ['step']);
    const rows = byName((await write(spans, [count('lossy', 'job', 2, 2)])).summary());
    expect(rows.job).toMatchObject({ calls: 2, callsExact: true, recorded: 1, dropped: 1 });
    // The stored trace stands for both job calls (2 exact ÷ 1 stored weight), so step ≈ 2.
    expect(rows.step).toMatchObject({ calls: 2, callsExact: false });
  });

  it('not without count records (OpenTelemetry): nothing says how many calls were made', async () => {
    const spans = [
      ...trace('otel', 'GET /', 4, ['SELECT']),
      ...trace('otel', 'GET /', 1, ['SELECT']),
      ...trace('otel', 'POST /', 2.4, []),
    ];
    const r = await write(spans, []);
    const rows = byName(r.summary());
    expect(rows['GET /']).toMatchObject({ calls: 5, callsExact: false, recorded: 2, dropped: 3 });
    expect(rows.SELECT).toMatchObject({ calls: 5, callsExact: false });
    // Σ weight rounded to a whole number of calls.
    expect(rows['POST /']).toMatchObject({ calls: 2, callsExact: false, recorded: 1 });
    expect(r.runs()).toEqual([
      expect.objectContaining({ runId: 'otel', spanCount: 5, rootCalls: 7, callsExact: false }),
    ]);
  });
});

describe('inconsistent count records', () => {
  it('more roots stored than the counts say were recorded: at least the weighted roots, not exact', async () => {
    // Count records of a later interval were lost: they say 1 of 3 calls was recorded, but two
    // roots of weight 3 are in the file.
    const spans = [...trace('gap', 'tick', 3, []), ...trace('gap', 'tick', 3, [])];
    const rows = byName((await write(spans, [count('gap', 'tick', 3, 1)])).summary());
    expect(rows.tick).toMatchObject({ calls: 6, callsExact: false, recorded: 2, dropped: 4 });
  });

  it('a counted name with no stored span still gets a line with its exact calls', async () => {
    const spans = trace('quiet', 'job', 1, []);
    const rows = byName(
      (await write(spans, [count('quiet', 'job', 1, 1), count('quiet', 'idle', 4, 0)])).summary(),
    );
    expect(rows.idle).toMatchObject({ calls: 4, callsExact: true, recorded: 0, dropped: 4 });
  });
});
