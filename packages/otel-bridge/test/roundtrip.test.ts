// Ferret span records through OtelExporterSink and the real OTLP exporters to a receiver on
// 127.0.0.1 that decodes them with the opentelemetry-proto definitions: every field arrives.
import type { SpanRecord } from '@ferret/profiler';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OtelBridgeError, OtelExporterSink } from '../src/index.js';
import { OtlpReceiver, type ReceivedSpan } from './support/OtlpReceiver.js';
import { profilerWith } from './support/profilerWith.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const ROOT = 'b7ad6b7169203331';
const CHILD = '00f067aa0ba902b7';
const RUN = '2f1c5a39-6b8e-4d8c-9d53-0a8f3a4b1c2d';

function records(): SpanRecord[] {
  const attributes = {
    'http.route': '/orders/:id',
    'db.rows': 3,
    ratio: 0.5,
    cached: true,
    tags: ['a', 'b'],
    small: 12n,
    huge: 2n ** 70n,
    when: new Date(0),
    nested: { a: 1 },
    fn: () => 1,
    mixed: [1, 'a'],
  } as unknown as SpanRecord['attributes'];
  return [
    {
      traceId: TRACE,
      spanId: ROOT,
      name: 'GET /orders/:id',
      startTime: 1_700_000_000_123.5,
      duration: 12.25,
      status: 'ok',
      attributes,
      runId: RUN,
      pid: 4242,
      threadId: 0,
      weight: 4,
      truncatedChildren: 2,
    },
    {
      traceId: TRACE,
      spanId: CHILD,
      parentSpanId: ROOT,
      name: 'db.query',
      startTime: 1_700_000_000_124,
      duration: 3.5,
      status: 'error',
      attributes: { 'error.message': 'boom', 'error.type': 'TypeError' },
      runId: RUN,
      pid: 4242,
      threadId: 3,
      weight: 4,
    },
  ];
}

function checkFields(spans: ReceivedSpan[]): void {
  expect(spans).toHaveLength(2);
  const root = spans.find((s) => s.spanId === ROOT)!;
  const child = spans.find((s) => s.spanId === CHILD)!;
  expect(root).toMatchObject({
    traceId: TRACE,
    parentSpanId: '',
    name: 'GET /orders/:id',
    kind: 1, // SPAN_KIND_INTERNAL
    startTimeUnixNano: 1_700_000_000_123_500_000n,
    endTimeUnixNano: 1_700_000_000_135_750_000n,
    statusCode: 0,
    droppedAttributesCount: 3,
    scope: { name: '@ferret/profiler', version: '0.1.0' },
  });
  expect(root.attributes).toEqual({
    'http.route': '/orders/:id',
    'db.rows': 3,
    ratio: 0.5,
    cached: true,
    tags: ['a', 'b'],
    small: 12,
    huge: '1180591620717411303424',
    when: '1970-01-01T00:00:00.000Z',
    'ferret.weight': 4,
    'ferret.sampling.probability': 0.25,
    'ferret.truncated_children': 2,
    'thread.id': 0,
  });
  expect(root.events).toEqual([]);
  expect(root.resource).toMatchObject({
    'service.name': 'checkout',
    'service.instance.id': RUN,
    'process.pid': 4242,
    'deployment.environment.name': 'test',
  });
  expect(child).toMatchObject({
    traceId: TRACE,
    parentSpanId: ROOT,
    name: 'db.query',
    kind: 1,
    startTimeUnixNano: 1_700_000_000_124_000_000n,
    endTimeUnixNano: 1_700_000_000_127_500_000n,
    statusCode: 2, // STATUS_CODE_ERROR
    statusMessage: 'boom',
    droppedAttributesCount: 0,
  });
  expect(child.attributes).toEqual({
    'error.message': 'boom',
    'error.type': 'TypeError',
    'ferret.weight': 4,
    'thread.id': 3,
  });
  expect(child.events).toEqual([
    {
      name: 'exception',
      timeUnixNano: 1_700_000_000_127_500_000n,
      attributes: { 'exception.type': 'TypeError', 'exception.message': 'boom' },
    },
  ]);
}

describe('every field round-trips through a real OTLP receiver', () => {
  let receiver: OtlpReceiver;
  beforeEach(async () => {
    receiver = await OtlpReceiver.start();
  });
  afterEach(async () => {
    await receiver.stop();
  });

  const transports: [string, (r: OtlpReceiver) => Promise<SpanExporter>][] = [
    ['http/protobuf', async (r) => new ProtoExporter({ url: r.url })],
    ['http/json', async (r) => new JsonExporter({ url: r.url })],
    ['grpc', async (r) => new GrpcExporter({ url: await r.startGrpc() })],
  ];
  for (const [transport, makeExporter] of transports) {
    it(`over ${transport}`, async () => {
      const errors: OtelBridgeError[] = [];
      const sink = new OtelExporterSink({
        exporter: await makeExporter(receiver),
        serviceName: 'checkout',
        resourceAttributes: { 'deployment.environment.name': 'test' },
        onError: (error) => errors.push(error),
      });
      await sink.write(records());
      await sink.close();
      expect(receiver.requests.map((r) => r.transport)).toEqual([transport]);
      checkFields(receiver.spans);
      expect(sink.stats()).toMatchObject({
        exportedSpans: 2,
        failedSpans: 0,
        convertedAttributes: 3,
        droppedAttributes: 3,
      });
      expect(errors).toEqual([]);
    });
  }

  it('links parents and keeps one trace per root, from a real profiler', async () => {
    const sink = new OtelExporterSink({ exporter: new ProtoExporter({ url: receiver.url }) });
    const { profiler, errors } = profilerWith(sink);
    const result = await profiler.measure('checkout', async () => {
      await profiler.measure('cart.load', async () => {
        await profiler.measure('db.query', () => 1);
      });
      await profiler.measure('payment', () => 2);
      return 'done';
    });
    profiler.measure('health', () => 0);
    await profiler.close();
    expect(result).toBe('done');
    expect(errors).toEqual([]);
    const byName = new Map(receiver.spans.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual([
      'cart.load',
      'checkout',
      'db.query',
      'health',
      'payment',
    ]);
    const root = byName.get('checkout')!;
    expect(root.parentSpanId).toBe('');
    expect(byName.get('cart.load')!.parentSpanId).toBe(root.spanId);
    expect(byName.get('payment')!.parentSpanId).toBe(root.spanId);
    expect(byName.get('db.query')!.parentSpanId).toBe(byName.get('cart.load')!.spanId);
    for (const name of ['cart.load', 'db.query', 'payment']) {
      expect(byName.get(name)!.traceId).toBe(root.traceId);
    }
    expect(byName.get('health')!.traceId).not.toBe(root.traceId);
    expect(byName.get('health')!.parentSpanId).toBe('');
    for (const span of receiver.spans) {
      expect(span.endTimeUnixNano).toBeGreaterThanOrEqual(span.startTimeUnixNano);
      expect(span.attributes['ferret.weight']).toBe(1);
      expect(span.resource['service.instance.id']).toBe(profiler.runId);
    }
  });
});
