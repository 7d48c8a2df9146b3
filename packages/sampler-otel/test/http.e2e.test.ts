// End to end: a real node:http server on loopback, instrumented by
// @opentelemetry/instrumentation-http under a real NodeTracerProvider sampling with
// createRateLimitedSampler({ maxTracesPerSecond: 50 }), driven by 2,000 requests over ~5 s,
// spans exported by SqliteSpanExporter to a temporary file and read back with openSpanReader.
import { mkdtempSync, rmSync } from 'node:fs';
import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSpanReader, type SpanReader } from '@ferret/store-sqlite';
import { SqliteSpanExporter } from '@ferret/store-sqlite/otel';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimitedSampler } from '../src/createRateLimitedSampler.js';
import { ATTR_FERRET_SAMPLING_PROBABILITY } from '../src/semconv.js';
import { DecisionMetricReader } from './support/DecisionMetricReader.js';
import { runBoundedLoad } from './support/runBoundedLoad.js';

const BUDGET = 50; // traces per second
const BURST = 50; // the default burst for 50/s
const REQUESTS = 2_000;
const LOAD_MS = 5_000;
const RUN_ID = 'sampler-otel-e2e';

type StoredSpan = ReturnType<SpanReader['spans']> extends Iterable<infer T> ? T : never;

describe('createRateLimitedSampler under real HTTP load, stored in SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferret-sampler-e2e-'));
  const dbPath = join(dir, 'spans.db');
  const metricReader = new DecisionMetricReader();
  const meterProvider = new MeterProvider({ readers: [metricReader] });
  const provider = new NodeTracerProvider({
    sampler: createRateLimitedSampler({ maxTracesPerSecond: BUDGET, meterProvider }),
    spanProcessors: [
      new BatchSpanProcessor(new SqliteSpanExporter({ path: dbPath, runId: RUN_ID }), {
        maxQueueSize: 100_000,
        maxExportBatchSize: 512,
        scheduledDelayMillis: 200,
      }),
    ],
  });
  let http: typeof Http;
  let server: Http.Server | undefined;
  let disableInstrumentations: (() => void) | undefined;
  let providerShutdown: Promise<void> | undefined;
  const shutdownProvider = () => {
    providerShutdown ??= provider.shutdown();
    return providerShutdown;
  };

  beforeAll(async () => {
    provider.register();
    disableInstrumentations = registerInstrumentations({
      tracerProvider: provider,
      // The load generator's own requests stay untraced, so every server span is a root.
      instrumentations: [new HttpInstrumentation({ ignoreOutgoingRequestHook: () => true })],
    });
    // Required only now, through require(), so instrumentation-http's require hook patches it.
    http = createRequire(import.meta.url)('node:http') as typeof Http;
    const tracer = provider.getTracer('e2e');
    server = http.createServer((_req, res) => {
      tracer.startActiveSpan('handle request', (handle) => {
        tracer.startActiveSpan('load user', (load) => {
          setImmediate(() => {
            load.end();
            handle.end();
            res.end('ok');
          });
        });
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    disableInstrumentations?.();
    await shutdownProvider();
    await meterProvider.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores at most budget × seconds + burst whole traces and counts every request', async () => {
    const { port } = server!.address() as AddressInfo;
    const load = await runBoundedLoad(http, `http://127.0.0.1:${port}/users/42`, {
      total: REQUESTS,
      durationMs: LOAD_MS,
    });
    expect(load.failed).toBe(0);
    expect(load.ok).toBe(REQUESTS);
    await shutdownProvider(); // flushes the batch processor and closes the database

    const reader = openSpanReader(dbPath);
    let spans: StoredSpan[];
    try {
      expect(reader.runs().map((r) => r.runId)).toEqual([RUN_ID]);
      spans = [...reader.spans({ runId: RUN_ID })];
    } finally {
      reader.close();
    }
    const seconds = load.elapsedMs / 1000;
    const roots = spans.filter((s) => s.parentSpanId === undefined);

    // instrumentation-http really created the roots: server spans with HTTP attributes
    expect(roots.length).toBeGreaterThan(0);
    for (const root of roots) {
      expect(root.kind).toBe('server');
      expect(root.name).toBe('GET');
      expect(root.attributes['http.target'] ?? root.attributes['url.path']).toBe('/users/42');
      const p = root.attributes[ATTR_FERRET_SAMPLING_PROBABILITY] as number;
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThanOrEqual(1);
      expect(root.weight).toBeCloseTo(1 / p, 9);
    }

    // the budget holds, and was actually used (2,000 requests is 8× the budget)
    expect(new Set(roots.map((r) => r.traceId)).size).toBe(roots.length);
    expect(roots.length).toBeLessThanOrEqual(BUDGET * seconds + BURST);
    expect(roots.length).toBeGreaterThanOrEqual(BUDGET * seconds * 0.8);
    expect(roots.length).toBeLessThan(REQUESTS);

    // whole traces: every stored child's parent is stored, in the same trace
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (const span of spans) {
      if (span.parentSpanId === undefined) continue;
      const parent = byId.get(span.parentSpanId);
      expect(parent, `parent of ${span.name}`).toBeDefined();
      expect(parent!.traceId).toBe(span.traceId);
    }
    expect(spans.length).toBe(roots.length * 3); // GET → handle request → load user
    // every child carries its root's weight (from the ferret=p tracestate member), though the
    // batch processor exported it before its root
    const rootWeight = new Map(roots.map((r) => [r.traceId, r.weight]));
    for (const span of spans) expect(span.weight).toBeCloseTo(rootWeight.get(span.traceId)!, 4);
    expect(roots.some((r) => r.weight > 1)).toBe(true);

    // the decisions counter saw every request exactly once
    const decisions = await metricReader.decisions();
    expect(decisions.sampled + decisions.dropped).toBe(REQUESTS);
    expect(decisions.sampled).toBe(roots.length);

    // 1/p (the stored weight) counts the requests: each sampled root stands for itself and the
    // roots dropped since the previous one, so the sum misses only the drops after the last one.
    const estimated = roots.reduce((sum, r) => sum + r.weight, 0);
    expect(Math.round(estimated)).toBeLessThanOrEqual(REQUESTS);
    expect(estimated / REQUESTS).toBeGreaterThan(0.95);
    console.log(
      `e2e: ${REQUESTS} requests in ${seconds.toFixed(2)} s, ${roots.length} traces stored (bound ${(BUDGET * seconds + BURST).toFixed(0)}), ${decisions.dropped} dropped, sum of weights ${estimated.toFixed(0)}`,
    );
  });
});
