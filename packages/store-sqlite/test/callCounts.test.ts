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

/**
 * summary(), profile() and analyze() of the same run, checked to agree on every name's calls,
 * exactness and recorded spans; returns summary()'s rows by name.
 */
function agreedRows(r: SpanReader): Record<string, NameSummary> {
  const pick = (rows: NameSummary[]) =>
    Object.fromEntries(
      rows.map((row) => [row.name, [row.calls, row.callsExact, row.recorded]] as const),
    );
  const summary = r.summary();
  expect(pick(r.profile().summary)).toEqual(pick(summary));
  expect(pick(r.analyze().rows)).toEqual(pick(summary));
  return byName(summary);
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

  it("a child is scaled once, by its own root's factor, in summary(), profile() and analyze()", async () => {
    const { spans, counts } = twoRoots();
    const rows = agreedRows(await write(spans, counts));
    expect(rows['db.query']).toMatchObject({ calls: 4, recorded: 1 });
  });

  it("a child keeps its weight when its own root has no factor, whatever the trace's other roots", async () => {
    // consume (2 calls, 1 recorded: factor 2) is another local root of the trace, not db.query's.
    const { spans } = twoRoots();
    const rows = agreedRows(await write(spans, [count('otel', 'consume', 2, 1)]));
    expect(rows['db.query']).toMatchObject({ calls: 1, recorded: 1, callsExact: false });
  });
});

describe('roots renamed after they were sampled (HTTP server spans under `ferret run`)', () => {
  // The sampler counts an HTTP server span under the name it starts with ('GET'); the HTTP
  // instrumentation then names it after its route and the span processor records the first name
  // as `ferret.sampled_name`. Requests that match no route keep the name 'GET'.
  function routed(
    runId: string,
    route: string | undefined,
    weight = 1,
    marked = true,
  ): SpanRecord[] {
    const attributes: SpanRecord['attributes'] =
      route !== undefined && marked ? { 'ferret.sampled_name': 'GET' } : {};
    return trace(runId, route ?? 'GET', weight, ['middleware'], { attributes });
  }

  it('every request counted exactly under its route, no line for the sampled name', async () => {
    const spans = [
      ...routed('web', 'GET /slow'),
      ...routed('web', 'GET /slow'),
      ...routed('web', 'GET /slow'),
      ...routed('web', 'GET /fast'),
      ...routed('web', 'GET /fast'),
    ];
    const rows = agreedRows(await write(spans, [count('web', 'GET', 5, 5)]));
    expect(rows['GET /slow']).toMatchObject({ calls: 3, callsExact: true, recorded: 3 });
    expect(rows['GET /fast']).toMatchObject({ calls: 2, callsExact: true, recorded: 2 });
    expect(rows.middleware).toMatchObject({ calls: 5, callsExact: true, recorded: 5 });
    expect(rows.GET).toBeUndefined();
  });

  it('a root under a remote parent named like the sampled name takes none of its calls', async () => {
    // A second service's plain HTTP server span ('GET', not counted: its parent is remote).
    const remote = (): SpanRecord[] => {
      const traceId = hex(++seq, 32);
      const parentSpanId = hex(++seq, 16);
      const root = spanOf({ name: 'GET', runId: 'web', traceId, parentSpanId, duration: 3 });
      return [{ ...root, parentIsRemote: true } as SpanRecord];
    };
    const spans = [
      ...routed('web', 'GET /a', 2),
      ...routed('web', 'GET /a', 2),
      ...remote(),
      ...remote(),
    ];
    const rows = agreedRows(await write(spans, [count('web', 'GET', 4, 2)]));
    expect(rows['GET /a']).toMatchObject({ calls: 4, recorded: 2 });
    expect(rows.middleware).toMatchObject({ calls: 4 });
    expect(rows.GET).toMatchObject({ calls: 2, callsExact: false, recorded: 2 });
  });

  it("a renamed root under a remote parent that was counted (a foreign caller) takes its sampled name's calls", async () => {
    // ferret run counts a server span whose traceparent came from outside the run, and marks it
    // when renamed: its route gets the calls, and no 'GET' line is left.
    const foreign = (weight: number): SpanRecord[] => {
      const [root, ...children] = routed('web', 'GET /a', weight);
      return [
        { ...root!, parentSpanId: hex(++seq, 16), parentIsRemote: true } as SpanRecord,
        ...children,
      ];
    };
    const spans = [...foreign(2), ...foreign(2)];
    const rows = agreedRows(await write(spans, [count('web', 'GET', 4, 2)]));
    expect(rows['GET /a']).toMatchObject({ calls: 4, recorded: 2 });
    expect(rows.middleware).toMatchObject({ calls: 4 });
    expect(rows.GET).toBeUndefined();
  });

  it('unrouted requests keep the sampled name and only their own calls', async () => {
    const spans = [
      ...routed('web', undefined),
      ...routed('web', undefined),
      ...routed('web', 'GET /slow'),
      ...routed('web', 'GET /slow'),
      ...routed('web', 'GET /fast'),
    ];
    const rows = agreedRows(await write(spans, [count('web', 'GET', 5, 5)]));
    expect(rows.GET).toMatchObject({ calls: 2, callsExact: true, recorded: 2, dropped: 0 });
    expect(rows['GET /slow']).toMatchObject({ calls: 2, callsExact: true });
    expect(rows['GET /fast']).toMatchObject({ calls: 1, callsExact: true });
    expect(rows.middleware).toMatchObject({ calls: 5, callsExact: true });
  });

  it('sampled requests: the calls are shared by Σ weight and are estimates', async () => {
    // 12 GET calls, 4 recorded at weight 3: two routes, two roots each.
    const spans = [
      ...routed('web', 'GET /a', 3),
      ...routed('web', 'GET /a', 3),
      ...routed('web', 'GET /b', 3),
      ...routed('web', undefined, 3),
    ];
    const rows = agreedRows(await write(spans, [count('web', 'GET', 12, 4)]));
    expect(rows['GET /a']).toMatchObject({ calls: 6, callsExact: false, recorded: 2 });
    expect(rows['GET /b']).toMatchObject({ calls: 3, callsExact: false, recorded: 1 });
    expect(rows.GET).toMatchObject({ calls: 3, callsExact: false, recorded: 1 });
    expect(rows.middleware).toMatchObject({ calls: 12, callsExact: false });
  });

  it('recorded requests lost before the file: the stored routes share every call, as estimates', async () => {
    // 4 requests recorded, 2 of them lost after sampling: each stored route stands for two.
    const spans = [...routed('web', 'GET /a'), ...routed('web', 'GET /b')];
    const r = await write(spans, [count('web', 'GET', 4, 4)]);
    const rows = agreedRows(r);
    expect(rows['GET /a']).toMatchObject({ calls: 2, callsExact: false, recorded: 1 });
    expect(rows['GET /b']).toMatchObject({ calls: 2, callsExact: false, recorded: 1 });
    expect(rows.middleware).toMatchObject({ calls: 4, callsExact: false, recorded: 2 });
    expect(rows.GET).toBeUndefined();
    expect(r.analyze().missingTraces).toBe(2);
    expect(r.runs()[0]).toMatchObject({ missingTraces: 2 });
    expect(r.profile().run).toMatchObject({ missingTraces: 2 });
  });

  it('a file without the attribute: a name that dropped nothing does not scale its children', async () => {
    // Written before `ferret.sampled_name`: 4 GET calls, 2 of them renamed to routes that
    // nothing links to 'GET'. The unrouted roots' children are not taken for 4 calls' worth.
    const spans = [
      ...routed('old', undefined),
      ...routed('old', undefined),
      ...routed('old', 'GET /a', 1, false),
      ...routed('old', 'GET /a', 1, false),
    ];
    const r = await write(spans, [count('old', 'GET', 4, 4)]);
    const rows = agreedRows(r);
    expect(rows.middleware).toMatchObject({ calls: 4, recorded: 4 });
    // The two 'GET' roots not stored under 'GET' are the renamed ones: none is missing.
    expect(r.analyze().missingTraces).toBe(0);
  });
});

describe("a child's own root is found through parent ids, whatever the start times say", () => {
  // Requests under `ferret run`, as the e2e test's app makes them: OpenTelemetry spans start at
  // whole milliseconds (the SDK's `Date.now()`), `measure()` blocks on the `performance` clock.
  // A route's server span (counted as 'GET', stored under its route) has an Express handler
  // span, which holds the 'load order' block (with a fetch span in it) and the 'render' block.
  // Each span is written when it ends. Three shapes the start times can take:
  // - 'tie': the handler span starts in the root's millisecond and ended first (written first);
  // - 'early child': the fetch span starts "before" the block around it (clocks);
  // - 'late child': 'render' starts after the handler span's stored end (the handler span's
  //   start was rounded down to its millisecond), and another request's span starts between.
  type Shape = 'tie' | 'early child' | 'late child';
  function request(weight: number, at: number, shape: Shape): SpanRecord[] {
    const traceId = hex(++seq, 32);
    const span = (
      name: string,
      parent: SpanRecord | undefined,
      start: number,
      duration: number,
    ) => {
      const record: SpanRecord = {
        runId: 'app',
        traceId,
        spanId: hex(++seq, 16),
        name,
        startTime: at + start,
        duration,
        weight,
        status: 'ok',
        attributes: {},
        pid: 7,
        threadId: 0,
      };
      if (parent !== undefined) record.parentSpanId = parent.spanId;
      return record;
    };
    const root = span('GET /orders/:id', undefined, 0, 50);
    root.attributes = { 'ferret.sampled_name': 'GET' };
    const handler = span(
      'request handler',
      root,
      shape === 'tie' ? 0 : 1,
      shape === 'late child' ? 48 : 52,
    );
    const load = span('load order', handler, 1.8, 40);
    const fetchSpan = span('fetch', load, shape === 'early child' ? 1 : 2, 38);
    const render = span('render', handler, 49.5, 0.1);
    if (shape === 'tie') return [fetchSpan, load, render, handler, root];
    if (shape === 'early child') return [fetchSpan, load, render, root, handler];
    const other = span('GET /health', undefined, 49.2, 0.1);
    other.traceId = hex(++seq, 32);
    return [fetchSpan, load, other, render, root, handler];
  }

  it.each<Shape>(['tie', 'early child', 'late child'])(
    '%s: every block under a renamed, sampled root is scaled by that root; summary(), profile() and analyze() agree',
    async (shape) => {
      // 30 GET calls, 3 recorded at weights 1, 4 and 5 (Σ 10): factor 3, one block per call.
      const spans = [1, 4, 5].flatMap((weight, i) => request(weight, T0 + 100 * i, shape));
      const rows = agreedRows(await write(spans, [count('app', 'GET', 30, 3)]));
      // An estimate: the sampled-away GET calls need not all have been this route's.
      expect(rows['GET /orders/:id']).toMatchObject({ calls: 30, callsExact: false, recorded: 3 });
      for (const name of ['request handler', 'load order', 'fetch', 'render']) {
        expect(rows[name], name).toMatchObject({ calls: 30, callsExact: false, recorded: 3 });
      }
    },
  );

  it('a child starting long after its parent ended still takes its root', async () => {
    // A job root (2 calls, 1 recorded at weight 1: factor 2) whose child starts an hour after the
    // root ended, with 3,000 short unrelated roots between them.
    const traceId = hex(++seq, 32);
    const root = spanOf({ name: 'job', runId: 'late', traceId, startTime: T0, duration: 1 });
    const spans: SpanRecord[] = [root];
    for (let i = 0; i < 3_000; i++) {
      spans.push(
        spanOf({ name: 'tick', runId: 'late', traceId: hex(++seq, 32), startTime: T0 + 10 + i }),
      );
    }
    spans.push(
      spanOf({
        name: 'flush',
        runId: 'late',
        traceId,
        parentSpanId: root.spanId,
        startTime: T0 + 3_600_000,
      }),
    );
    const counts = [count('late', 'job', 2, 1), count('late', 'tick', 3_000, 3_000)];
    const rows = agreedRows(await write(spans, counts));
    expect(rows.flush).toMatchObject({ calls: 2, recorded: 1 });
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
    const r = await write(spans, [count('lossy', 'job', 2, 2)]);
    const rows = agreedRows(r);
    expect(rows.job).toMatchObject({ calls: 2, callsExact: true, recorded: 1, dropped: 1 });
    // The stored trace stands for the lost one too (factor 2 ÷ 1), though job dropped nothing
    // by sampling: an estimate.
    expect(rows.step).toMatchObject({ calls: 2, callsExact: false, recorded: 1 });
    expect(r.analyze().missingTraces).toBe(1);
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
