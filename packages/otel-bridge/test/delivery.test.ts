// Volume and failure: 10,000 spans arrive in batches; a receiver that refuses (503) or hangs
// costs the host nothing (calls return their own results, nothing is thrown) and is counted.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OtelBridgeError, OtelExporterSink } from '../src/index.js';
import { OtlpReceiver } from './support/OtlpReceiver.js';
import { profilerWith } from './support/profilerWith.js';

let receiver: OtlpReceiver;
beforeEach(async () => {
  receiver = await OtlpReceiver.start();
});
afterEach(async () => {
  await receiver.stop();
});

describe('delivery through OTLP http/protobuf', () => {
  it('delivers 10,000 spans in batches of at most maxBatchSize', async () => {
    const sink = new OtelExporterSink({ exporter: new OTLPTraceExporter({ url: receiver.url }) });
    const { profiler, errors } = profilerWith(sink, { maxQueueSize: 10_000, maxBatchSize: 500 });
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      sum += profiler.measure(`op.${i % 7}`, () => i);
      if (i % 1000 === 999) await nextTurn();
    }
    await profiler.close();
    expect(sum).toBe((9_999 * 10_000) / 2);
    expect(errors).toEqual([]);
    const ids = new Set(receiver.spans.map((s) => s.spanId));
    expect(ids.size).toBe(10_000);
    expect(receiver.requests.length).toBeGreaterThanOrEqual(20);
    for (const request of receiver.requests) expect(request.spans.length).toBeLessThanOrEqual(500);
    expect(profiler.stats()).toMatchObject({
      exportedSpans: 10_000,
      droppedBySink: 0,
      storedSpans: 10_000,
      lostSpans: 0,
    });
    expect(sink.stats()).toMatchObject({ exportedSpans: 10_000, failedSpans: 0, spansInFlight: 0 });
  });

  it('a receiver answering 503 costs the host nothing and is counted', async () => {
    receiver.mode = '503';
    const sink = new OtelExporterSink({
      exporter: new OTLPTraceExporter({ url: receiver.url, timeoutMillis: 400 }),
    });
    const { profiler, errors } = profilerWith(sink, { sinkTimeoutMs: 5000 });
    const results: number[] = [];
    for (let i = 0; i < 50; i++) results.push(profiler.measure('job', () => i * 2));
    await profiler.flush();
    for (let i = 0; i < 50; i++) results.push(await profiler.measure('job', async () => i));
    await profiler.close();
    expect(results.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(receiver.refused).toBeGreaterThanOrEqual(1);
    expect(receiver.spans).toHaveLength(0);
    expect(profiler.stats()).toMatchObject({ exportedSpans: 0, droppedBySink: 100 });
    expect(sink.stats()).toMatchObject({ exportedSpans: 0, failedSpans: 100, spansInFlight: 0 });
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.every((e) => e.code === 'SINK_WRITE')).toBe(true);
    expect(errors[0]!.message).toMatch(/did not deliver/);
  });

  it('a receiver that hangs costs the host nothing: batches time out, further ones are dropped and counted', async () => {
    receiver.mode = 'hang';
    const sink = new OtelExporterSink({
      exporter: new OTLPTraceExporter({ url: receiver.url, timeoutMillis: 5000 }),
      maxConcurrentExports: 1,
    });
    const { profiler, errors } = profilerWith(sink, { sinkTimeoutMs: 200, maxBatchSize: 10 });
    let total = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 10; i++) total += profiler.measure('job', () => 1);
      await profiler.flush();
    }
    await profiler.close();
    expect(total).toBe(30);
    const stats = profiler.stats();
    expect(stats.exportedSpans).toBe(0);
    expect(stats.droppedBySink).toBe(30);
    expect(stats.sinkTimeouts).toBeGreaterThanOrEqual(1);
    // One export hangs; every later batch finds the slot taken and is dropped without a request.
    expect(sink.stats()).toMatchObject({ exportedSpans: 0, droppedSpans: 20, spansInFlight: 10 });
    expect(receiver.refused).toBe(1);
    expect(errors.some((e) => e.code === 'SINK_TIMEOUT')).toBe(true);
    // The exporter gives up on the hanging request after its own timeoutMillis.
    await expect.poll(() => sink.stats().failedSpans, { timeout: 20_000 }).toBe(10);
    expect(sink.stats().spansInFlight).toBe(0);
  });

  it('an exporter constructor error is reported once and the profiler keeps running', async () => {
    const bridgeErrors: OtelBridgeError[] = [];
    const sink = new OtelExporterSink({
      exporter: () => new OTLPTraceExporter({ url: 'not a url' }),
      onError: (error) => bridgeErrors.push(error),
    });
    expect(sink.exporter).toBeUndefined();
    const { profiler, errors } = profilerWith(sink);
    const values: string[] = [];
    for (let i = 0; i < 3; i++) {
      values.push(profiler.measure('job', () => `v${i}`));
      await profiler.flush();
    }
    await profiler.close();
    expect(values).toEqual(['v0', 'v1', 'v2']);
    expect(bridgeErrors).toHaveLength(1);
    expect(bridgeErrors[0]!.code).toBe('EXPORTER_CONSTRUCTOR');
    expect(bridgeErrors[0]!.message).toMatch(/Could not parse user-provided export URL/);
    expect(profiler.stats()).toMatchObject({ exportedSpans: 0, droppedBySink: 3 });
    expect(sink.stats().droppedSpans).toBe(3);
    expect(errors.every((e) => e.code === 'SINK_WRITE')).toBe(true);
  });
});
