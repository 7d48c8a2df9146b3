/**
 * Ferret spans over OTLP: the demo service (examples/http-service) under steady traffic and a
 * 10x burst, profiled with a spans-per-second budget; its spans go to a local SQLite file and,
 * through `OtelExporterSink`, over OTLP/JSON to a receiver on 127.0.0.1 standing in for an
 * OpenTelemetry Collector, together with the exact `ferret.calls` counter. Prints what arrived.
 *
 *   node --import tsx src/main.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoService } from '@ferret/example-http-service/src/DemoService.js';
import { LoadGenerator, type RequestSpec } from '@ferret/example-http-service/src/LoadGenerator.js';
import { OtelExporterSink } from '@ferret/otel-bridge';
import { Profiler, TeeSink } from '@ferret/profiler';
import { SqliteSpanStore } from '@ferret/store-sqlite';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OtlpJsonReceiver } from './OtlpJsonReceiver.js';

const BUDGET = 200;
const PHASES = [
  { name: 'steady', requestsPerSecond: 40, durationMs: 2000 },
  { name: 'burst', requestsPerSecond: 400, durationMs: 2000 },
];

const receiver = new OtlpJsonReceiver();
const collector = await receiver.listen();
const dir = mkdtempSync(join(tmpdir(), 'ferret-otlp-export-'));

// Exact counts: ferret.calls through the OpenTelemetry metrics SDK, to the same receiver.
const reader = new PeriodicExportingMetricReader({
  exporter: new OTLPMetricExporter({ url: `${collector}/v1/metrics` }),
  exportIntervalMillis: 60_000,
});
const meterProvider = new MeterProvider({ readers: [reader] });

const otlp = new OtelExporterSink({
  exporter: () => new OTLPTraceExporter({ url: `${collector}/v1/traces`, timeoutMillis: 3000 }),
  serviceName: 'ferret-demo',
  meterProvider,
});
const store = new SqliteSpanStore({ path: join(dir, 'ferret.db') });
const tee = new TeeSink([store, otlp]);
const profiler = new Profiler({
  maxSpansPerSecond: BUDGET,
  sink: tee,
  onError: (error) => console.error(`profiler: ${String(error)}`),
});

const service = new DemoService(profiler);
const load = new LoadGenerator({ port: await service.listen(), pickRequest });
console.log(`OTLP receiver (stands in for a Collector): ${collector}/v1/traces and /v1/metrics`);
console.log(
  `Profiler budget ${BUDGET} spans/s; spans go to SQLite and OTLP/JSON through a TeeSink`,
);
for (const phase of PHASES) {
  await load.run(phase);
  console.log(`  ${phase.name}: ${phase.requestsPerSecond} req/s for ${phase.durationMs / 1000} s`);
}
await load.drain();
load.close();
await service.close();
await profiler.close(); // drains the queue: the last batches and counts reach both branches
await meterProvider.shutdown(); // exports ferret.calls one last time
receiver.close();
rmSync(dir, { recursive: true, force: true });

const served = load.totals.ok + load.totals.clientErrors + load.totals.serverErrors;
const exported = otlp.stats();
const [sqlite] = tee.stats().branches;
console.log('');
console.log(
  `Arrived: ${[...receiver.byName.values()].reduce((n, e) => n + e.spans, 0)} spans in ${receiver.traceRequests} OTLP requests; service.name=${[...receiver.serviceNames].join(',')}, scope ${[...receiver.scopes].join(',')}`,
);
console.log('');
console.log(
  ' span name           spans   estimated calls (Σ ferret.weight)   ferret.calls (exact)',
);
for (const [name, entry] of [...receiver.byName].sort(([a], [b]) => a.localeCompare(b))) {
  const estimate = entry.exactCalls > 0 ? Math.round(entry.estimatedCalls).toString() : '-';
  const exact = entry.exactCalls > 0 ? String(entry.exactCalls) : '-';
  console.log(
    ` ${name.padEnd(18)} ${String(entry.spans).padStart(6)}   ${estimate.padStart(33)}   ${exact.padStart(20)}`,
  );
}
console.log('');
console.log(`Root calls dropped by the budget: ${profiler.stats().droppedBySampling}`);
console.log(
  `Requests served: ${served} (sent: ${load.totals.sent}; timed out or failed: ${load.totals.failed})`,
);
console.log(
  `OTLP branch: exported ${exported.exportedSpans}, failed ${exported.failedSpans}, dropped ${exported.droppedSpans}; SQLite branch: wrote ${sqlite?.writtenSpans ?? 0}`,
);

function pickRequest(i: number): RequestSpec {
  if (i % 3 === 0) return { method: 'GET', path: `/users/${i % 1000}` };
  if (i % 3 === 1) return { method: 'GET', path: '/search?q=shoes' };
  return { method: 'POST', path: '/checkout' };
}
