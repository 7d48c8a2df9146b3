/**
 * Ferret's counters in Prometheus: a `KeyedRateLimiter` and a rate-limiting OpenTelemetry
 * sampler report through the OpenTelemetry metrics API; `@opentelemetry/exporter-prometheus`
 * serves them on an ephemeral port on 127.0.0.1, and the example scrapes that endpoint once and
 * prints the `ferret_ratelimit_*` and `ferret_sampler_*` series.
 *
 *   node --import tsx src/main.ts
 */
import { createServer } from 'node:http';
import { KeyedRateLimiter } from '@ferret/ratelimit';
import { createRateLimitedSampler } from '@ferret/sampler-otel';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';

// 1. Metrics first: limiters and samplers look for the global MeterProvider.
//    `preventServerStart` because the exporter's own server cannot listen on port 0 (it treats
//    0 as "use the default 9464"); its request handler is mounted on our own server instead.
const exporter = new PrometheusExporter({ preventServerStart: true });
const meterProvider = new MeterProvider({ readers: [exporter] });
metrics.setGlobalMeterProvider(meterProvider);

const metricsServer = createServer((req, res) => {
  if (req.url === '/metrics') exporter.getMetricsRequestHandler(req, res);
  else res.writeHead(404).end();
});
await new Promise<void>((resolve, reject) => {
  metricsServer.once('error', reject);
  metricsServer.listen(0, '127.0.0.1', resolve);
});
const address = metricsServer.address();
if (address === null || typeof address === 'string') throw new Error('no TCP address');
const metricsUrl = `http://127.0.0.1:${address.port}/metrics`;

console.log('Ferret example: rate-limit and sampler counters in Prometheus');
console.log(`  endpoint  ${metricsUrl}\n`);

// 2. Some traffic through a per-client limiter: 5 requests/s each, burst 5.
const limiter = new KeyedRateLimiter({ ratePerSecond: 5, capacity: 5 });
const traffic = { alice: 20, bob: 3 };
for (const [client, count] of Object.entries(traffic)) {
  let allowed = 0;
  for (let i = 0; i < count; i++) if (limiter.check(client).allowed) allowed++;
  console.log(
    `  limiter   ${client}: ${count} requests at once, ${allowed} allowed, ${count - allowed} limited`,
  );
}

// 3. Some traces through the rate-limited sampler: 10 traces/s, burst 10.
const tracerProvider = new BasicTracerProvider({
  sampler: createRateLimitedSampler({ maxTracesPerSecond: 10 }),
});
const tracer = tracerProvider.getTracer('prometheus-example');
const roots = 50;
let sampled = 0;
for (let i = 0; i < roots; i++) {
  const span = tracer.startSpan('job');
  if (span.isRecording()) sampled++;
  span.end();
}
console.log(
  `  sampler   ${roots} root spans at once, ${sampled} sampled, ${roots - sampled} dropped\n`,
);

// 4. Scrape once, as Prometheus would, and show our series.
const res = await fetch(metricsUrl);
const body = await res.text();
console.log(`$ curl ${metricsUrl}   (HTTP ${res.status}; ferret lines only)`);
for (const line of body.split('\n')) {
  if (/^(# (HELP|TYPE) )?ferret_(ratelimit|sampler)_/.test(line)) console.log(line);
}

await tracerProvider.shutdown();
await meterProvider.shutdown();
metricsServer.closeAllConnections();
await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
