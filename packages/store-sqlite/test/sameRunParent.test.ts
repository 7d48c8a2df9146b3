// A server span under a remote parent of the same `ferret run` (an app calling itself, a gateway
// and its backend started together): the client span counted and sampled the trace, so the
// server span is a child of that trace, scaled like every other child, never a root of its own.
import { join } from 'node:path';
import { runTagOf } from '@ferret/internal';
import {
  context,
  createTraceState,
  ROOT_CONTEXT,
  SpanKind,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import {
  BasicTracerProvider,
  SamplingDecision,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type NameSummary, openSpanReader } from '../src/index.js';
import { SqliteSpanExporter } from '../src/otel.js';
import { temporaryDirectory } from './helpers.js';

let tmp: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  tmp = temporaryDirectory();
});
afterEach(() => tmp.cleanup());

const RUN = 'run-1';

/**
 * What `ferret run` writes for `traces` requests an app sends to itself, each sampled at
 * probability 0.5 (weight 2): the client root `GET` (counted: 30 calls, 10 recorded), the
 * server span `GET /users/:id` under the client span's context as it arrives through
 * `traceparent`/`tracestate` (remote, carrying the tag of `tagOf`), and its `render` child.
 */
async function selfCalls(path: string, tagOf: string, traces = 10): Promise<void> {
  const exporter = new SqliteSpanExporter({ path, runId: RUN });
  const state = `ferret=p:0.5;r:${runTagOf(tagOf)}`;
  const provider = new BasicTracerProvider({
    sampler: {
      shouldSample: (parent) =>
        trace.getSpanContext(parent) === undefined
          ? {
              decision: SamplingDecision.RECORD_AND_SAMPLED,
              attributes: { 'ferret.sampling.probability': 0.5 },
              traceState: createTraceState(state),
            }
          : { decision: SamplingDecision.RECORD_AND_SAMPLED },
      toString: () => 'ferret run sampler',
    },
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('t');
  for (let i = 0; i < traces; i++) {
    const client = tracer.startSpan('GET', { kind: SpanKind.CLIENT });
    const { traceId, spanId } = client.spanContext();
    const arrived = trace.setSpanContext(ROOT_CONTEXT, {
      traceId,
      spanId,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: createTraceState(state),
    });
    const server = tracer.startSpan('GET /users/:id', { kind: SpanKind.SERVER }, arrived);
    tracer.startSpan('render', {}, trace.setSpan(context.active(), server)).end();
    server.end();
    client.end();
  }
  await provider.forceFlush();
  exporter.store.writeCounts([
    {
      name: 'GET',
      calls: 3 * traces,
      recorded: traces,
      dropped: 2 * traces,
      intervalStart: Date.now() - 1000,
      intervalEnd: Date.now(),
      runId: RUN,
    },
  ]);
  await provider.shutdown();
}

function rowsOf(path: string): Record<string, NameSummary> {
  const reader = openSpanReader(path);
  try {
    const pick = (rows: NameSummary[]) =>
      Object.fromEntries(rows.map((row) => [row.name, row.calls] as const));
    const summary = reader.summary();
    expect(pick(reader.analyze().rows)).toEqual(pick(summary));
    expect(pick(reader.profile().summary)).toEqual(pick(summary));
    return Object.fromEntries(summary.map((row) => [row.name, row]));
  } finally {
    reader.close();
  }
}

function storedRoots(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (
      db.prepare('SELECT DISTINCT name FROM spans WHERE is_root = 1').pluck().all() as string[]
    ).sort();
  } finally {
    db.close();
  }
}

describe('a server span under a remote parent of the same run', () => {
  it('is stored as a child, and estimated with its 1:1 child at the client root’s exact calls', async () => {
    const path = join(tmp.dir, 'self.db');
    await selfCalls(path, RUN);
    expect(storedRoots(path)).toEqual(['GET']);
    const rows = rowsOf(path);
    expect(rows.GET).toMatchObject({ calls: 30, callsExact: true, recorded: 10 });
    // 10 spans of weight 2, scaled by GET's factor 30 ÷ 20: each 30 (before: 20, its raw weight).
    expect(rows['GET /users/:id']).toMatchObject({ calls: 30, callsExact: false, recorded: 10 });
    expect(rows.render).toMatchObject({ calls: 30, callsExact: false, recorded: 10 });
  });

  it('a remote parent of another run (or none) still makes the span a root', async () => {
    const path = join(tmp.dir, 'other.db');
    await selfCalls(path, 'another run');
    expect(storedRoots(path)).toEqual(['GET', 'GET /users/:id']);
  });
});
