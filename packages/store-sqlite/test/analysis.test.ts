// The reader's analysis queries on real files: analyze (self time, --by groups, name globs,
// weight scaling), stackTree and resolveRunId.
import { join } from 'node:path';
import type { CountRecord, SpanRecord } from '@ferret/profiler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FerretStoreError,
  openSpanReader,
  type SpanReader,
  SqliteSpanStore,
} from '../src/index.js';
import { SelfTimeWalk } from '../src/selfTimeWalk.js';
import { span, temporaryDirectory } from './helpers.js';

const T0 = 1_700_000_000_000;

/**
 * Run "run-b" (latest): 10 `GET /orders` roots of 20 ms, weight 2, each with two overlapping
 * `db.query` children [1, 9] and [5, 13] (table orders) and one `render` [15, 18]: self time of
 * the root is 20 − 12 − 3 = 5 ms. 10 `GET /users` roots of 4 ms, weight 2, with one `db.query`
 * [1, 2] (table users) and, for half of them, a `cache` child without attributes.
 * Count records: GET /orders 40 calls (so its weights, Σ 20, are scaled by 2), GET /users 20.
 * Run "run-a" and "run-aa" exist for prefix lookups.
 */
function buildRun(): { spans: SpanRecord[]; counts: CountRecord[] } {
  const spans: SpanRecord[] = [];
  for (let i = 0; i < 10; i++) {
    const start = T0 + i * 100;
    const traceId = `${i.toString(16).padStart(8, '0')}${'1'.repeat(24)}`;
    const root = span({
      name: 'GET /orders',
      traceId,
      startTime: start,
      duration: 20,
      weight: 2,
      runId: 'run-b',
    });
    const child = (name: string, from: number, to: number, attributes = {}) =>
      span({
        name,
        traceId,
        parentSpanId: root.spanId,
        startTime: start + from,
        duration: to - from,
        weight: 2,
        runId: 'run-b',
        attributes,
      });
    spans.push(
      root,
      child('db.query', 1, 9, { 'db.table': 'orders' }),
      child('db.query', 5, 13, { 'db.table': 'orders' }),
      child('render', 15, 18),
    );
  }
  for (let i = 0; i < 10; i++) {
    const start = T0 + 50 + i * 100;
    const traceId = `${i.toString(16).padStart(8, '0')}${'2'.repeat(24)}`;
    const root = span({
      name: 'GET /users',
      traceId,
      startTime: start,
      duration: 4,
      weight: 2,
      runId: 'run-b',
      attributes: { 'http.status': i % 3 === 0 ? 500 : 200 },
    });
    spans.push(
      root,
      span({
        name: 'db.query',
        traceId,
        parentSpanId: root.spanId,
        startTime: start + 1,
        duration: 1,
        weight: 2,
        runId: 'run-b',
        attributes: { 'db.table': 'users' },
      }),
    );
    if (i % 2 === 0) {
      spans.push(
        span({
          name: 'cache',
          traceId,
          parentSpanId: root.spanId,
          startTime: start + 2.5,
          duration: 0.5,
          weight: 2,
          runId: 'run-b',
        }),
      );
    }
  }
  spans.push(span({ name: 'job', startTime: T0 - 10_000, runId: 'run-a' }));
  spans.push(span({ name: 'job', startTime: T0 - 5_000, runId: 'run-aa' }));
  const counts: CountRecord[] = [
    {
      name: 'GET /orders',
      calls: 40,
      recorded: 10,
      dropped: 30,
      intervalStart: T0,
      intervalEnd: T0 + 1000,
      runId: 'run-b',
    },
    {
      name: 'GET /users',
      calls: 20,
      recorded: 10,
      dropped: 10,
      intervalStart: T0,
      intervalEnd: T0 + 1000,
      runId: 'run-b',
    },
  ];
  return { spans, counts };
}

describe('reader analysis queries', () => {
  const { dir, cleanup } = temporaryDirectory();
  const path = join(dir, 'analysis.db');
  let reader: SpanReader;

  beforeAll(async () => {
    const store = new SqliteSpanStore({
      path,
      worker: false,
      onError: (e) => {
        throw e;
      },
    });
    const { spans, counts } = buildRun();
    store.write(spans);
    store.writeCounts(counts);
    await store.close();
    reader = openSpanReader(path);
  });
  afterAll(() => {
    reader.close();
    cleanup();
  });

  it('analyze: self time subtracts the union of overlapping children', () => {
    const { runId, rows } = reader.analyze();
    expect(runId).toBe('run-b');
    const byName = Object.fromEntries(rows.map((row) => [row.name, row]));
    expect(byName['GET /orders']!.totalMs).toBeCloseTo(200, 6);
    expect(byName['GET /orders']!.selfTotalMs).toBeCloseTo(50, 6);
    expect(byName['GET /orders']!.selfP50Ms).toBeCloseTo(5, 2);
    // GET /users: 4 − 1 (db) − 0.5 (cache, half of them).
    expect(byName['GET /users']!.selfTotalMs).toBeCloseTo(10 * 3 + 5 * -0.5, 6);
    // Leaves: self time is their duration.
    expect(byName['db.query']!.selfTotalMs).toBeCloseTo(byName['db.query']!.totalMs, 6);
    // Same calls and estimates as summary(): exact root calls, children scaled by the root factor.
    const summary = Object.fromEntries(reader.summary().map((row) => [row.name, row]));
    for (const name of ['GET /orders', 'GET /users', 'db.query', 'render', 'cache']) {
      expect(byName[name]!.calls, name).toBe(summary[name]!.calls);
      expect(byName[name]!.callsExact, name).toBe(summary[name]!.callsExact);
      expect(byName[name]!.estimatedTotalMs, name).toBeCloseTo(summary[name]!.estimatedTotalMs, 6);
      expect(byName[name]!.p95Ms, name).toBe(summary[name]!.p95Ms);
    }
    // render: 10 spans of weight 2 under GET /orders, whose factor is 40 / 20 = 2.
    expect(byName.render!.calls).toBe(40);
  });

  it('analyze --by: a row per (name, value), (none) for spans without it, (other) past the limit', () => {
    const { rows, spansWithAttribute } = reader.analyze({ by: 'db.table' });
    expect(spansWithAttribute).toBe(30);
    const db = rows.filter((row) => row.name === 'db.query');
    expect(db.map((row) => [row.group, row.value, row.recorded])).toEqual([
      ['value', 'orders', 20],
      ['value', 'users', 10],
    ]);
    expect(db[0]!.p50Ms).toBeCloseTo(8, 2);
    expect(db[1]!.p50Ms).toBeCloseTo(1, 2);
    expect(rows.find((row) => row.name === 'render')).toMatchObject({
      group: 'none',
      recorded: 10,
    });
    const limited = reader
      .analyze({ by: 'db.table', maxValuesPerName: 1 })
      .rows.filter((r) => r.name === 'db.query');
    expect(limited.map((row) => [row.group, row.value, row.recorded])).toEqual([
      ['value', 'orders', 20],
      ['other', undefined, 10],
    ]);
    const unknown = reader.analyze({ by: 'no.such.key' });
    expect(unknown.spansWithAttribute).toBe(0);
    expect(unknown.rows.every((row) => row.group === 'none')).toBe(true);
    // A name whose spans all fall in one row keeps its exact count records: every row when no
    // span has the attribute, and the root names' (none) rows of `by: 'db.table'`.
    const plain = new Map(reader.analyze().rows.map((row) => [row.name, row]));
    for (const row of unknown.rows) {
      expect([row.calls, row.callsExact], row.name).toEqual([
        plain.get(row.name)!.calls,
        plain.get(row.name)!.callsExact,
      ]);
    }
    const orders = rows.find((row) => row.name === 'GET /orders')!;
    expect([orders.group, orders.calls, orders.callsExact]).toEqual(['none', 40, true]);
    // A root name split over several values: each row's calls are an estimate.
    const split = reader.analyze({ by: 'http.status' }).rows.filter((r) => r.name === 'GET /users');
    expect(split.length).toBeGreaterThan(1);
    expect(split.every((row) => !row.callsExact)).toBe(true);
  });

  it('analyze --name: only matching names, self time still from every child', () => {
    const { rows } = reader.analyze({ name: 'GET /*' });
    expect(rows.map((row) => row.name)).toEqual(['GET /orders', 'GET /users']);
    expect(rows[0]!.selfTotalMs).toBeCloseTo(50, 6);
    expect(reader.analyze({ name: 'nothing*' }).rows).toEqual([]);
    // Children of filtered-out roots are still scaled by their root name's factor.
    const render = reader.analyze({ name: 'render' }).rows;
    expect(render.map((row) => [row.name, row.calls])).toEqual([['render', 40]]);
  });

  it('analyze sampleSize: a bounded sample of recorded durations per row', () => {
    const { rows } = reader.analyze({ sampleSize: 5 });
    const orders = rows.find((row) => row.name === 'GET /orders')!;
    expect(orders.sample).toHaveLength(5);
    expect(orders.sample!.every((d) => d === 20)).toBe(true);
    expect(rows.find((row) => row.name === 'db.query')!.sample).toHaveLength(5);
  });

  it('slowestTraces name: only roots matching the glob', () => {
    const traces = reader.slowestTraces({ name: 'GET /users', limit: 3 });
    expect(traces).toHaveLength(3);
    expect(traces.every((t) => t.root.span.name === 'GET /users')).toBe(true);
  });

  it('stackTree: weighted totals and self time per call path', () => {
    const tree = reader.stackTree();
    expect(tree.runId).toBe('run-b');
    expect(tree.roots.map((node) => node.name)).toEqual(['GET /orders', 'GET /users']);
    const orders = tree.roots[0]!;
    // Σ weight 20 scaled by GET /orders' factor (its exact calls ÷ Σ root weight = 2), as
    // analyze() counts its calls.
    expect(orders).toMatchObject({ calls: 40, recorded: 10 });
    expect(orders.calls).toBe(reader.analyze().rows.find((r) => r.name === 'GET /orders')!.calls);
    expect(orders.totalMs).toBeCloseTo(800, 6);
    expect(orders.selfMs).toBeCloseTo(200, 6);
    expect(orders.children.map((c) => [c.name, c.recorded])).toEqual([
      ['db.query', 20],
      ['render', 10],
    ]);
    // Self times over the whole tree add up to the roots' totals plus the time concurrent
    // children overlap ([1, 9] and [5, 13]: 4 ms in each of 10 traces of weight 2, factor 2).
    let self = 0;
    const stack = [...tree.roots];
    while (stack.length > 0) {
      const node = stack.pop()!;
      self += node.selfMs;
      stack.push(...node.children);
    }
    expect(self).toBeCloseTo(tree.totalMs + 10 * 4 * 2 * 2, 6);
    expect(tree.stacks).toBe(6);
    const small = reader.stackTree({ maxStacks: 1 });
    expect(small.foldedSpans).toBeGreaterThan(0);
    expect(small.roots.map((n) => n.name)).toEqual(['GET /orders', '(other)']);
    expect(small.roots[0]!.children.map((c) => c.name)).toEqual(['(other)']);
  });

  it('resolveRunId: exact, latest, previous, unique prefix; ambiguous lists candidates', () => {
    expect(reader.resolveRunId('run-a')).toBe('run-a');
    expect(reader.resolveRunId('latest')).toBe('run-b');
    expect(reader.resolveRunId('previous')).toBe('run-aa');
    expect(reader.resolveRunId('run-b')).toBe('run-b');
    expect(reader.resolveRunId('run-aa')).toBe('run-aa');
    expect(() => reader.resolveRunId('run-')).toThrow(
      /run "run-" is ambiguous: it starts 3 run ids \(run-b, run-aa, run-a\); type more of it/,
    );
    try {
      reader.resolveRunId('zzz');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FerretStoreError);
      expect((error as FerretStoreError).code).toBe('UNKNOWN_RUN');
    }
    expect(() => reader.resolveRunId('')).toThrow(TypeError);
  });
});

describe('SelfTimeWalk', () => {
  it('holds only the spans in flight: 100,000 sequential traces never keep more than a few open', () => {
    let finished = 0;
    let peak = 0;
    const walk = new SelfTimeWalk<undefined>(() => {
      finished++;
    });
    for (let i = 0; i < 100_000; i++) {
      const start = i * 10;
      walk.add(`t${i}`, `r${i}`, null, start, 5, undefined, undefined);
      const parent = walk.parentOf(`t${i}`, `r${i}`);
      walk.add(`t${i}`, `c${i}`, `r${i}`, start + 1, 2, parent, undefined);
      peak = Math.max(peak, walk.openSpans);
    }
    walk.finish();
    expect(finished).toBe(200_000);
    expect(peak).toBeLessThanOrEqual(3);
  });

  it('applies a child that arrives just before its parent (equal start times)', () => {
    const self = new Map<string, number>();
    const walk = new SelfTimeWalk<string>((span) => self.set(span.data, span.selfMs));
    walk.add('t', 'child', 'root', 0, 4, undefined, 'child');
    walk.add('t', 'root', null, 0, 10, undefined, 'root');
    walk.finish();
    expect(self.get('root')).toBeCloseTo(6, 9);
    expect(self.get('child')).toBeCloseTo(4, 9);
  });
});
