// Exact counts as the `ferret.calls{span.name}` counter, and a TeeSink writing SQLite and
// exporting OTLP at once, each branch with its own failure accounting.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TeeSink } from '@ferret/profiler';
import { SqliteSpanStore } from '@ferret/store-sqlite';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { OtelExporterSink } from '../src/index.js';
import { OtlpReceiver } from './support/OtlpReceiver.js';
import { profilerWith } from './support/profilerWith.js';

describe('ferret.calls', () => {
  it('counts every root call per name, recorded or dropped by the budget', async () => {
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({
      exporter: metricExporter,
      exportIntervalMillis: 3_600_000,
    });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const spans = new InMemorySpanExporter();
    const sink = new OtelExporterSink({ exporter: spans, meterProvider });
    // A budget of 2 spans: most calls are dropped, all are counted.
    const { profiler } = profilerWith(sink, { maxSpansPerSecond: 0.001, burst: 2 });
    for (let i = 0; i < 70; i++) profiler.measure('checkout', () => i);
    for (let i = 0; i < 30; i++) profiler.measure('search', () => i);
    await profiler.close();
    await meterProvider.forceFlush();
    const metric = metricExporter
      .getMetrics()
      .flatMap((m) => m.scopeMetrics)
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === 'ferret.calls');
    expect(metric?.descriptor.unit).toBe('{call}');
    const byName = Object.fromEntries(
      (metric?.dataPoints ?? []).map((p) => [p.attributes['span.name'], p.value]),
    );
    expect(byName).toEqual({ checkout: 70, search: 30 });
    expect(spans.getFinishedSpans().length).toBeLessThanOrEqual(2);
    // Each exported span carries its weight: calls ÷ recorded for its name when admitted.
    for (const span of spans.getFinishedSpans())
      expect(span.attributes['ferret.weight']).toBeGreaterThanOrEqual(1);
    expect(sink.stats().countedCalls).toBe(100);
    await meterProvider.shutdown();
  });
});

describe('TeeSink: SQLite and OTLP at once', () => {
  const dirs: string[] = [];
  let receiver: OtlpReceiver | undefined;
  afterEach(async () => {
    await receiver?.stop();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function storedSpans(path: string): number {
    const db = new Database(path, { readonly: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM spans').get() as { n: number }).n;
    } finally {
      db.close();
    }
  }

  for (const mode of ['ok', '503'] as const) {
    it(`both branches get every span; a receiver answering ${mode} only costs the OTLP branch`, async () => {
      receiver = await OtlpReceiver.start();
      receiver.mode = mode;
      const dir = mkdtempSync(join(tmpdir(), 'ferret-tee-'));
      dirs.push(dir);
      const path = join(dir, 'ferret.db');
      const store = new SqliteSpanStore({ path });
      const otlp = new OtelExporterSink({
        exporter: new OTLPTraceExporter({ url: receiver.url, timeoutMillis: 400 }),
      });
      const tee = new TeeSink([store, otlp], { onError: () => {} });
      const { profiler, errors } = profilerWith(tee);
      for (let i = 0; i < 40; i++) {
        await profiler.measure('request', async () => {
          await profiler.measure('db.query', () => i);
        });
      }
      await profiler.close();
      expect(errors).toEqual([]);
      expect(profiler.stats()).toMatchObject({ exportedSpans: 80, droppedBySink: 0 });
      expect(storedSpans(path)).toBe(80);
      const [sqlite, exported] = tee.stats().branches;
      expect(sqlite).toMatchObject({ writtenSpans: 80, failedSpans: 0, errors: 0 });
      if (mode === 'ok') {
        expect(receiver.spans).toHaveLength(80);
        expect(exported).toMatchObject({ writtenSpans: 80, failedSpans: 0 });
      } else {
        expect(receiver.spans).toHaveLength(0);
        expect(exported).toMatchObject({ writtenSpans: 0, failedSpans: 80 });
        expect(exported!.errors).toBeGreaterThanOrEqual(1);
        expect(otlp.stats().failedSpans).toBe(80);
      }
    });
  }
});
