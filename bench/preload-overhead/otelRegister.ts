/**
 * The preload benchmark's anchor: OpenTelemetry's own auto-instrumentation, loaded the way
 * `@opentelemetry/auto-instrumentations-node/register` loads it (a preload that registers a
 * tracer provider and the instrumentations before the app starts), with the same libraries
 * `@ferret/run` instruments by default (http, undici, express, fastify through @fastify/otel,
 * ioredis, pg, mysql2, mongodb) and the same ES-module hook. The provider is
 * `NodeTracerProvider` with `AlwaysOnSampler` (or, with `FERRET_BENCH_OTEL_SAMPLER=off`,
 * `ParentBased(AlwaysOff)`: the cost of the instrumentations alone) and a `BatchSpanProcessor`
 * whose exporter discards, so no network cost is counted. On exit it prints
 * `stats {"otel.ended":…,"otel.exported":…}` after the service's own line, which the driver's
 * `stopService` then returns.
 *
 * Used as `node --import tsx --import ./preload-overhead/otelRegister.ts app`.
 */
import { register } from 'node:module';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { type Instrumentation, registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

let ended = 0;
let exported = 0;
const counter: SpanProcessor = {
  onStart() {},
  onEnd() {
    ended++;
  },
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};
const exporter: SpanExporter = {
  export(spans, done) {
    exported += spans.length;
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
};
const provider = new NodeTracerProvider({
  sampler:
    process.env.FERRET_BENCH_OTEL_SAMPLER === 'off'
      ? new ParentBasedSampler({ root: new AlwaysOffSampler() })
      : new AlwaysOnSampler(),
  spanProcessors: [counter, new BatchSpanProcessor(exporter)],
});
provider.register();

const instrumentations: Instrumentation[] = [
  new HttpInstrumentation(),
  new UndiciInstrumentation(),
  new ExpressInstrumentation(),
  new FastifyOtelInstrumentation({ registerOnInitialization: true }) as unknown as Instrumentation,
  new IORedisInstrumentation(),
  new PgInstrumentation(),
  new MySQL2Instrumentation(),
  new MongoDBInstrumentation(),
];
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
  data: {
    include: [
      'http',
      'https',
      'node:http',
      'node:https',
      'undici',
      'express',
      'ioredis',
      'pg',
      'pg-pool',
      'mysql2',
      'mongodb',
    ],
  },
});
registerInstrumentations({ instrumentations, tracerProvider: provider });

process.on('exit', () => {
  process.stdout.write(
    `stats ${JSON.stringify({ 'otel.ended': ended, 'otel.exported': exported })}\n`,
  );
});
