// The database and framework libraries under the real `ferret run` preload: a Fastify app whose
// route runs one query (ioredis against a real redis-server, pg against a throwaway PostgreSQL
// cluster, mysql2 against a throwaway MariaDB) inside a measure() block. Each request must come
// back as one trace in the database: the HTTP server span, @fastify/otel's request and handler
// spans, the measure() block, and the driver's span nested under it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SpanRecord } from '@ferret/profiler';
import { openSpanReader } from '@ferret/store-sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisServer } from '../../ratelimit-redis/test/helpers/RedisServer.js';
import { loadInstrumentations } from '../src/libraries.js';
import { KNOWN_LIBRARIES } from '../src/RunSettings.js';
import { MariaDb, Postgres } from './helpers/databases.js';
import { startFerretRun } from './helpers/ferretRun.js';

const APP = fileURLToPath(new URL('./fixtures/db-app.cjs', import.meta.url));
const REQUESTS = 4;
/** What GET /secret sends to the database as a value (SET value, AUTH password, query parameter). */
const SECRET = 'hunter2-7f3a9c';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * Runs the app under `ferret run` against `url`, sends REQUESTS requests (then one to each of
 * `paths`), stops it with SIGINT.
 */
async function runApp(
  kind: string,
  url: string,
  budget = 1000,
  paths: readonly string[] = [],
): Promise<{ spans: SpanRecord[]; output: string; rootCalls: number; serviceName?: string }> {
  const dir = mkdtempSync(join(tmpdir(), `ferret-libs-${kind}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'ferret.db');
  const run = await startFerretRun(db, {
    app: APP,
    budget,
    args: ['--quiet'],
    env: { DB_KIND: kind, DB_URL: url, DB_SECRET: SECRET, FERRET_SERVICE_NAME: 'items-api' },
  });
  cleanups.push(() => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  });
  for (let id = 1; id <= REQUESTS; id++) {
    const response = await fetch(`http://127.0.0.1:${run.port}/items/${id}`);
    expect(response.status, run.output()).toBe(200);
    await response.text();
  }
  for (const path of paths) {
    const response = await fetch(`http://127.0.0.1:${run.port}${path}`);
    expect(response.status, run.output()).toBe(200);
    await response.text();
  }
  run.child.kill('SIGINT');
  expect(await run.exited, run.output()).toBe(130);
  const reader = openSpanReader(db);
  try {
    const [info] = reader.runs();
    expect(info!.metadata).toMatchObject({ complete: true });
    return {
      spans: [...reader.spans({ runId: info!.runId })],
      output: run.output(),
      rootCalls: info!.rootCalls,
      ...(info!.serviceName === undefined ? {} : { serviceName: info!.serviceName }),
    };
  } finally {
    reader.close();
  }
}

/**
 * For every request: the driver's span (picked by `isQuery`) under the 'load item' block, under
 * @fastify/otel's handler span, under its 'request' span for the route, under the HTTP server
 * span, all in one trace; one such trace per request.
 */
function expectNestedQueries(spans: SpanRecord[], isQuery: (span: SpanRecord) => boolean): void {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const chain = (span: SpanRecord): SpanRecord[] => {
    const ancestors: SpanRecord[] = [];
    for (let p = span.parentSpanId && byId.get(span.parentSpanId); p; ) {
      ancestors.push(p);
      p = p.parentSpanId === undefined ? undefined : byId.get(p.parentSpanId);
    }
    return ancestors;
  };
  const names = spans.map((span) => span.name).sort();
  const queries = spans.filter(isQuery);
  expect(queries.length, `spans: ${names.join(', ')}`).toBe(REQUESTS);
  const traces = new Set<string>();
  for (const query of queries) {
    const ancestors = chain(query);
    expect(ancestors.map((span) => span.name)).toEqual([
      'load item',
      'handler - getItem',
      'request',
      'GET /items/:id',
    ]);
    expect(ancestors[2]!.attributes['http.route']).toBe('/items/:id');
    // The root is the HTTP server span: the whole request is one trace.
    expect(ancestors[3]!.parentSpanId).toBeUndefined();
    for (const span of ancestors) expect(span.traceId).toBe(query.traceId);
    traces.add(query.traceId);
  }
  expect(traces.size).toBe(REQUESTS);
}

/**
 * GET /secret sent SECRET as values: the driver's query spans under 'send secret' exist (`count`
 * of them, in start order), and no stored span holds SECRET anywhere (name, attributes, events,
 * status).
 */
function expectNoValues(spans: SpanRecord[], count: number): SpanRecord[] {
  const block = spans.find((span) => span.name === 'send secret');
  expect(block, spans.map((span) => span.name).join(', ')).toBeDefined();
  const sent = spans
    .filter((span) => span.parentSpanId === block!.spanId && span.kind === 'client')
    .filter((span) => span.attributes['db.query.text'] !== undefined)
    .sort((a, b) => a.startTime - b.startTime);
  expect(sent.map((span) => span.name)).toHaveLength(count);
  const leaks = spans.map((span) => JSON.stringify(span)).filter((text) => text.includes(SECRET));
  expect(leaks).toEqual([]);
  return sent;
}

/** No instrumentation warned: the libraries the app does not use are simply not patched. */
function expectNoWarnings(output: string): void {
  expect(output).not.toMatch(/Warning|cannot instrument/);
}

describe('ferret run: database libraries under one budget', () => {
  it('ioredis (real redis-server): each GET is nested under the Fastify route in one trace', async () => {
    const redis = await RedisServer.start();
    cleanups.push(() => redis.stop());
    const { spans, output, serviceName } = await runApp('redis', redis.url, 1000, [
      '/health/live',
      '/secret',
    ]);
    expectNestedQueries(spans, (span) => span.name === 'get');
    // FERRET_SERVICE_NAME names the library spans' service, which the run takes.
    expect(serviceName).toBe('items-api');
    // The anonymous handler's span is named after its route, not after @fastify/otel's plugin.
    const handlers = spans.filter((span) => span.name.startsWith('handler - '));
    expect(handlers.map((span) => span.name).sort()).toEqual([
      'handler - /health/:probe',
      ...Array<string>(REQUESTS).fill('handler - getItem'),
      'handler - sendSecrets',
    ]);
    const get = spans.find((span) => span.name === 'get')!;
    expect(get.attributes).toMatchObject({
      'db.system.name': 'redis',
      'db.operation.name': 'get',
      'db.query.text': 'get item:1',
    });
    // The statement text is the command and its key, each other argument a `?`: no value.
    const sent = expectNoValues(spans, 8);
    expect(sent.map((span) => span.attributes['db.query.text'])).toEqual([
      'set session:1 ?',
      'hset user:1 ? ?',
      'sismember tokens ?',
      'zscore scores ?',
      'lrem queue ? ?',
      'echo ?',
      'eval ? ?',
      'auth ?',
    ]);
    expectNoWarnings(output);
  }, 120_000);

  it('library spans spend the same budget: at --budget 0 no span is stored, every request is counted', async () => {
    const redis = await RedisServer.start();
    cleanups.push(() => redis.stop());
    const { spans, rootCalls, output } = await runApp('redis', redis.url, 0);
    expect(spans.map((span) => span.name)).toEqual([]);
    expect(rootCalls).toBe(REQUESTS);
    expectNoWarnings(output);
  }, 120_000);

  it('pg (throwaway PostgreSQL cluster): each query is nested under the Fastify route in one trace', async () => {
    const postgres = await Postgres.start();
    cleanups.push(() => postgres.stop());
    const { spans, output } = await runApp('pg', postgres.url, 1000, ['/secret']);
    const isItemQuery = (span: SpanRecord) =>
      span.attributes['db.query.text'] === 'SELECT $1::int AS id';
    expectNestedQueries(spans, isItemQuery);
    const query = spans.find(isItemQuery)!;
    expect(query.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'db.query.text': 'SELECT $1::int AS id',
    });
    // Parameterized: the text with its placeholders, and no parameter value.
    const sent = expectNoValues(spans, 2);
    expect(sent.map((span) => span.attributes['db.query.text'])).toEqual([
      'SELECT $1::text AS token',
      'SELECT $1::text AS name',
    ]);
    expectNoWarnings(output);
  }, 120_000);

  it('mysql2 (throwaway MariaDB): each query is nested under the Fastify route in one trace', async () => {
    const mariadb = await MariaDb.start();
    cleanups.push(() => mariadb.stop());
    const { spans, output } = await runApp('mysql', mariadb.url, 1000, ['/secret']);
    const isItemQuery = (span: SpanRecord) => span.attributes['db.query.text'] === 'SELECT ? AS id';
    expectNestedQueries(spans, isItemQuery);
    const query = spans.find(isItemQuery)!;
    expect(query.attributes).toMatchObject({
      'db.system.name': 'mysql',
      'db.query.text': 'SELECT ? AS id',
    });
    // The pool and the callback connection, query() and execute(): placeholders, no value.
    // A literal typed into the statement is a `?` too (mysql2's maskStatement).
    const sent = expectNoValues(spans, 5);
    expect(sent.map((span) => span.attributes['db.query.text'])).toEqual([
      'SELECT ? AS token',
      'SELECT ? AS name',
      'SELECT ? AS token',
      'SELECT ? AS name',
      'SELECT ? AS word, ? AS n',
    ]);
    expectNoWarnings(output);
  }, 120_000);
});

describe('loadInstrumentations', () => {
  it('loads every known library, mongodb included', () => {
    const { instrumentations, failures } = loadInstrumentations(KNOWN_LIBRARIES);
    expect(failures).toEqual([]);
    expect(instrumentations.map((i) => i.instrumentationName)).toEqual([
      '@opentelemetry/instrumentation-http',
      '@opentelemetry/instrumentation-undici',
      '@opentelemetry/instrumentation-express',
      '@fastify/otel',
      '@opentelemetry/instrumentation-ioredis',
      '@opentelemetry/instrumentation-pg',
      '@opentelemetry/instrumentation-mysql2',
      '@opentelemetry/instrumentation-mongodb',
    ]);
  });

  it('an instrumentation that fails to load yields one message naming it; the others load', () => {
    const { instrumentations, failures } = loadInstrumentations(['pg', 'ioredis'], (module) => {
      if (module === '@opentelemetry/instrumentation-pg') {
        throw new Error("Cannot find module '@opentelemetry/instrumentation-pg'\nRequire stack: …");
      }
      return require(module);
    });
    expect(failures).toEqual([
      "pg (@opentelemetry/instrumentation-pg): Cannot find module '@opentelemetry/instrumentation-pg'",
    ]);
    expect(instrumentations).toHaveLength(1);
  });
});
