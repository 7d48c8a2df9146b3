import { join } from 'node:path';
import {
  context,
  createTraceState,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type Sampler,
  SamplingDecision,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSpanReader } from '../src/index.js';
import { SqliteSpanExporter } from '../src/otel.js';
import { temporaryDirectory } from './helpers.js';

let tmp: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  tmp = temporaryDirectory();
});
afterEach(() => tmp.cleanup());

describe('SqliteSpanExporter', () => {
  it('stores spans from a BasicTracerProvider + BatchSpanProcessor with correct parent links', async () => {
    const path = join(tmp.dir, 'otel.db');
    const exporter = new SqliteSpanExporter({ path });
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({
        'service.name': 'checkout',
        'service.instance.id': 'pod-7',
      }),
      spanProcessors: [
        new BatchSpanProcessor(exporter, { maxExportBatchSize: 4, scheduledDelayMillis: 10 }),
      ],
    });
    const tracer = provider.getTracer('orders', '1.2.3');

    const traceIds: string[] = [];
    for (let t = 0; t < 3; t++) {
      const root = tracer.startSpan('POST /orders', {
        kind: SpanKind.SERVER,
        attributes: { 'http.method': 'POST', try: t },
      });
      traceIds.push(root.spanContext().traceId);
      const rootContext = trace.setSpan(context.active(), root);
      const db = tracer.startSpan('db.insert', { kind: SpanKind.CLIENT }, rootContext);
      db.addEvent('retry', { attempt: 2 });
      const nested = tracer.startSpan('serialize', {}, trace.setSpan(rootContext, db));
      nested.end();
      db.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock' });
      db.end();
      root.end();
    }
    await provider.forceFlush();
    await provider.shutdown();

    const reader = openSpanReader(path);
    expect(reader.runs()).toEqual([
      expect.objectContaining({ runId: 'pod-7', spanCount: 9, serviceName: 'checkout' }),
    ]);
    const spans = [...reader.spans()];
    expect(spans).toHaveLength(9);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (const s of spans) {
      expect(s.serviceName).toBe('checkout');
      expect(s.attributes['otel.scope.name']).toBe('orders');
      if (s.name === 'POST /orders') {
        expect(s.parentSpanId).toBeUndefined();
        expect(s.kind).toBe('server');
      } else {
        const parent = byId.get(s.parentSpanId!);
        expect(parent?.traceId).toBe(s.traceId);
        expect(parent?.name).toBe(s.name === 'db.insert' ? 'POST /orders' : 'db.insert');
      }
      if (s.name === 'db.insert') {
        expect(s.kind).toBe('client');
        expect(s.status).toBe('error');
        expect(s.attributes['otel.status_description']).toBe('deadlock');
        expect(s.events).toEqual([
          { name: 'retry', time: expect.any(Number), attributes: { attempt: 2 } },
        ]);
        expect(s.events![0]!.time).toBeGreaterThanOrEqual(s.startTime);
      }
    }
    const trees = reader.slowestTraces({ limit: 10 });
    expect(trees.map((t) => t.traceId).sort()).toEqual([...traceIds].sort());
    for (const tree of trees) {
      expect(tree.spanCount).toBe(3);
      expect(tree.root.children.map((c) => c.span.name)).toEqual(['db.insert']);
      expect(tree.root.children[0]!.children.map((c) => c.span.name)).toEqual(['serialize']);
    }
    reader.close();
  });

  it('skips a broken span, stores the rest and reports it through the export result', async () => {
    const path = join(tmp.dir, 'broken.db');
    const exporter = new SqliteSpanExporter({ path, runId: 'manual' });
    const provider = new BasicTracerProvider({ spanProcessors: [] });
    const tracer = provider.getTracer('t');
    const finished: ReadableSpan[] = [];
    for (const name of ['good-1', 'bad', 'good-2']) {
      const span = tracer.startSpan(name);
      span.end();
      finished.push(span as unknown as ReadableSpan);
    }
    // An attribute value OpenTelemetry's API would have refused, smuggled into a finished span.
    const broken = Object.create(finished[1]!, {
      attributes: { value: { nested: { object: true } } },
    }) as ReadableSpan;
    finished[1] = broken;

    const result = await new Promise<{ code: number; error?: Error }>((resolve) =>
      exporter.export(finished, resolve),
    );
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error?.message).toBe(
      'SqliteSpanExporter skipped 1 of 3 spans: span "bad" has attribute "nested" of type object, not an OpenTelemetry attribute value',
    );
    await exporter.shutdown();
    const again = await new Promise<{ code: number }>((resolve) => exporter.export([], resolve));
    expect(again.code).toBe(ExportResultCode.FAILED);

    const reader = openSpanReader(path);
    expect([...reader.spans({ runId: 'manual' })].map((s) => s.name).sort()).toEqual([
      'good-1',
      'good-2',
    ]);
    reader.close();
  });

  it('weights spans by the inverse of ferret.sampling.probability', async () => {
    const path = join(tmp.dir, 'weight.db');
    const exporter = new SqliteSpanExporter({ path, runId: 'w' });
    const provider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(exporter)],
    });
    const span = provider
      .getTracer('t')
      .startSpan('sampled', { attributes: { 'ferret.sampling.probability': 0.25 } });
    span.end();
    await provider.shutdown();
    const reader = openSpanReader(path);
    const [stored] = [...reader.spans()];
    expect(stored!.weight).toBe(4);
    reader.close();
  });

  it('gives every span its trace weight from the tracestate, children exported before their root', async () => {
    const path = join(tmp.dir, 'inherit.db');
    const exporter = new SqliteSpanExporter({ path, runId: 'w' });
    // A root sampler that samples with probability 0.25 as Ferret's samplers report it: the
    // attribute on the root, and ferret=p:0.25 in the tracestate every child inherits.
    const sampler: Sampler = {
      shouldSample: (parentContext) =>
        trace.getSpanContext(parentContext) === undefined
          ? {
              decision: SamplingDecision.RECORD_AND_SAMPLED,
              attributes: { 'ferret.sampling.probability': 0.25 },
              traceState: createTraceState('ferret=p:0.25'),
            }
          : { decision: SamplingDecision.RECORD_AND_SAMPLED },
      toString: () => 'test sampler',
    };
    const provider = new BasicTracerProvider({
      sampler,
      spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 1 })],
    });
    const tracer = provider.getTracer('t');
    const root = tracer.startSpan('request');
    const rootContext = trace.setSpan(context.active(), root);
    const child = tracer.startSpan('db.query', {}, rootContext);
    tracer.startSpan('parse', {}, trace.setSpan(rootContext, child)).end();
    child.end(); // children end, so are exported, before their root
    await provider.forceFlush();
    root.end();
    // A span continuing a trace sampled upstream with OpenTelemetry's consistent threshold
    // (th:c rejects 3/4: adjusted count 4), and one whose remote parent carries no weight.
    const remote = (traceState: string | undefined) =>
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
        ...(traceState === undefined ? {} : { traceState: createTraceState(traceState) }),
      });
    const server = tracer.startSpan(
      'GET /orders/:id',
      { kind: SpanKind.SERVER },
      remote('ot=th:c'),
    );
    tracer.startSpan('render', {}, trace.setSpan(ROOT_CONTEXT, server)).end();
    server.end();
    tracer.startSpan('plain', { kind: SpanKind.SERVER }, remote(undefined)).end();
    await provider.shutdown();

    const reader = openSpanReader(path);
    try {
      const weights = Object.fromEntries([...reader.spans()].map((s) => [s.name, s.weight]));
      expect(weights).toEqual({
        request: 4,
        'db.query': 4,
        parse: 4,
        'GET /orders/:id': 4,
        render: 4,
        plain: 1,
      });
      // The remote-parent spans are roots of their local trace: calls counted from their weight.
      const calls = Object.fromEntries(reader.summary().map((n) => [n.name, n.calls]));
      expect(calls).toEqual({
        request: 4,
        'db.query': 4,
        parse: 4,
        'GET /orders/:id': 4,
        render: 4,
        plain: 1,
      });
      expect(reader.runs()[0]!.rootCalls).toBe(4 + 4 + 1);
    } finally {
      reader.close();
    }
  });
});

describe('SqliteSpanExporter options', () => {
  it('refuses a run id with control characters or over 256 characters, and unknown options', () => {
    expect(() => new SqliteSpanExporter({ path: ':memory:', runId: 'a\u001bb' })).toThrow(
      'Expected `runId` to be printable text, got "a\\u001bb": it holds the control character U+001B',
    );
    expect(() => new SqliteSpanExporter({ path: ':memory:', runId: 'r'.repeat(257) })).toThrow(
      RangeError,
    );
    expect(() => new SqliteSpanExporter({ path: ':memory:', runID: 'x' } as never)).toThrow(
      'Unknown option "runID" for SqliteSpanExporter (did you mean `runId`?)',
    );
  });
});

describe('SqliteSpanExporter with a full store', () => {
  it('reports spans the store dropped through the export result', async () => {
    const path = join(tmp.dir, 'full.db');
    const exporter = new SqliteSpanExporter({
      path,
      runId: 'full',
      maxPendingSpans: 2,
      onError: () => {},
    });
    const tracer = new BasicTracerProvider().getTracer('t');
    const finished = ['a', 'b', 'c'].map((name) => {
      const span = tracer.startSpan(name);
      span.end();
      return span as unknown as ReadableSpan;
    });
    const result = await new Promise<{ code: number; error?: Error }>((resolve) =>
      exporter.export(finished, resolve),
    );
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error?.message).toBe(
      'SqliteSpanExporter the store did not keep 3 spans (reported through onError)',
    );
    const ok = await new Promise<{ code: number }>((resolve) =>
      exporter.export(finished.slice(0, 2), resolve),
    );
    expect(ok.code).toBe(ExportResultCode.SUCCESS);
    await exporter.shutdown();
  });
});
