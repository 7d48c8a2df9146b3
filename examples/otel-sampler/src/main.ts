/**
 * An OpenTelemetry-instrumented HTTP app whose traces are sampled by Ferret's budget
 * (`createRateLimitedSampler`) and stored by `SqliteSpanExporter`, then analysed with
 * `ferret analyze`, exactly as the CLI prints it.
 *
 *   node --import tsx src/main.ts [--db otel-sampler.db] [--requests 2000] [--seconds 4]
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { main as ferret } from '@ferret/cli';
import { createRateLimitedSampler } from '@ferret/sampler-otel';
import { openSpanReader } from '@ferret/store-sqlite';
import { SqliteSpanExporter } from '@ferret/store-sqlite/otel';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

const MAX_TRACES_PER_SECOND = 20;
const WARM_UP_REQUESTS = 100;

const values = parseOptions();
const requests = positiveInteger('--requests', values.requests);
const seconds = positiveInteger('--seconds', values.seconds);
const dbPath = values.db;

// 1. Instrumentation first, before the app touches `http`.
registerInstrumentations({ instrumentations: [new HttpInstrumentation()] });
// In an ES module app nothing `require`s http, so load it once through require: that is the
// moment require-in-the-middle applies the instrumentation's patch.
createRequire(import.meta.url)('node:http');
const { OrdersApp, sendLoad } = await import('./OrdersApp.js');

const exporter = openExporter(dbPath);
const sampler = createRateLimitedSampler({ maxTracesPerSecond: MAX_TRACES_PER_SECOND });
const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'orders-app' }),
  sampler,
  spanProcessors: [new BatchSpanProcessor(exporter)],
});

console.log('Ferret example: an OpenTelemetry app sampled by a traces-per-second budget');
console.log(`  sampler   ${sampler.toString()}`);
console.log(`  exporter  SqliteSpanExporter -> ${dbPath}`);
console.log(
  `  load      ${requests} requests over ${seconds} s (${Math.round(requests / seconds)}/s) on 127.0.0.1, after ${WARM_UP_REQUESTS} untraced warm-up requests\n`,
);

// 2. Run the app. A short warm-up (connections, JIT) runs before the provider is registered, so
//    it is not traced: otherwise the sampler's initial burst would be spent on cold-start requests.
const app = new OrdersApp();
const port = await app.listen();
await sendLoad(port, WARM_UP_REQUESTS, 500);
provider.register();
const started = performance.now();
const handledBefore = { ...app.counts }; // the warm-up's, not traced
const load = await sendLoad(port, requests, seconds * 1000);
const elapsedSeconds = (performance.now() - started) / 1000;
const handled = app.counts.requests - handledBefore.requests;
const queries = app.counts.queries - handledBefore.queries;
await app.close();
await provider.shutdown(); // flushes the batch processor and closes the exporter

// 3. What reached the file.
const reader = openSpanReader(dbPath);
const runId = reader.latestRunId();
let spans = 0;
let roots = 0;
let orphans = 0;
let estimatedRequests = 0; // each stored root stands for 1 / ferret.sampling.probability requests
const ids = new Set<string>();
const parents: string[] = [];
for (const span of reader.spans({ runId })) {
  spans++;
  ids.add(span.spanId);
  if (span.parentSpanId === undefined) {
    roots++;
    estimatedRequests += span.weight;
  } else parents.push(span.parentSpanId);
}
for (const parent of parents) if (!ids.has(parent)) orphans++;
reader.close();
const bound = Math.ceil(MAX_TRACES_PER_SECOND * elapsedSeconds + MAX_TRACES_PER_SECOND);
console.log(
  `requests: ${load.sent} sent, ${load.ok} ok, ${load.failed} failed in ${elapsedSeconds.toFixed(1)} s`,
);
console.log(
  `truth:    ${handled} requests handled, ${queries} db.query calls (counted by the app, every one)`,
);
console.log(
  `stored:   ${roots} traces (budget ${MAX_TRACES_PER_SECOND}/s x ${elapsedSeconds.toFixed(1)} s + burst ${MAX_TRACES_PER_SECOND} = ${bound}), ${spans} spans, ${orphans} spans without their parent`,
);
console.log(
  `weights:  sum of 1 / ferret.sampling.probability over stored roots = ${Math.round(estimatedRequests)} (requests sent: ${load.sent}; exact up to the last sampled root)`,
);
console.log(`run:      ${runId}\n`);

// 4. The CLI's own summary of the file.
console.log(`$ ferret analyze ${dbPath}`);
const status = await ferret(['analyze', dbPath, ...(runId === undefined ? [] : ['--run', runId])]);
process.exitCode = status;

function parseOptions(): { db: string; requests: string; seconds: string } {
  try {
    const { values } = parseArgs({
      options: {
        db: { type: 'string', default: process.env.FERRET_EXAMPLE_DB ?? 'otel-sampler.db' },
        requests: { type: 'string', default: '2000' },
        seconds: { type: 'string', default: '4' },
      },
    });
    return values;
  } catch (error) {
    console.error(
      `${(error as Error).message}\nusage: node --import tsx src/main.ts [--db PATH] [--requests N] [--seconds N]`,
    );
    process.exit(2);
  }
}

/** The exporter, or one clear line and exit 1 when the file is not usable (e.g. not a Ferret database). */
function openExporter(path: string): SqliteSpanExporter {
  try {
    return new SqliteSpanExporter({ path });
  } catch (error) {
    console.error(`cannot use ${path}: ${(error as Error).message}`);
    process.exit(1);
  }
}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`${flag} must be a positive whole number, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return value;
}
