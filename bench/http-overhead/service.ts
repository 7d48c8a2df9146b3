/**
 * The service the end-to-end benchmark (`scenarios/http-overhead.bench.ts`) loads: a small JSON
 * endpoint, started in its own process with one instrumentation variant (`FERRET_BENCH_VARIANT`),
 * so every variant runs the same handler:
 *
 *   root span "GET /users/:id" → child "db.query" (SHA-256 of 16 KiB: ~20 µs of native work)
 *   → one `setImmediate` hop → `JSON.stringify` of the response.
 *
 * It prints `listening <port>` once ready, and on SIGTERM a JSON line with what the variant
 * recorded/dropped/stored, then exits.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A handler's view of the instrumentation: a root span around the request, a child around the query. */
export interface Instrumentation {
  root<T>(name: string, fn: () => Promise<T>): Promise<T>;
  child<T>(name: string, fn: () => T): T;
  /** Counters printed at the end of the run. */
  stats(): Promise<Record<string, number>>;
}

const PAYLOAD = Buffer.alloc(16 * 1024, 7);
const USER = { id: 42, name: 'Ada', roles: ['admin', 'ops'], lastSeen: '2026-12-01T00:00:00Z' };

/** The work of one request, the same under every variant. */
export async function handleUser(instrumentation: Instrumentation, id: string): Promise<string> {
  return instrumentation.root('GET /users/:id', async () => {
    const digest = instrumentation.child('db.query', () =>
      createHash('sha256').update(PAYLOAD).digest('hex'),
    );
    await new Promise<void>((resolve) => setImmediate(resolve));
    return JSON.stringify({ ...USER, id: Number(id), etag: digest.slice(0, 16) });
  });
}

const none: Instrumentation = {
  root: (_name, fn) => fn(),
  child: (_name, fn) => fn(),
  stats: async () => ({}),
};

async function alsFloor(): Promise<Instrumentation> {
  const storage = new AsyncLocalStorage<number>();
  return {
    root: (_name, fn) => storage.run(1, fn),
    child: (_name, fn) => fn(),
    stats: async () => ({}),
  };
}

async function ferret(store: 'discard' | 'sqlite', everySpan: boolean): Promise<Instrumentation> {
  const { Profiler } = await import('@ferret/profiler');
  let stored = () => Promise.resolve<Record<string, number>>({});
  let sink: import('@ferret/profiler').SpanSink;
  let dir: string | undefined;
  if (store === 'sqlite') {
    const { SqliteSpanStore } = await import('@ferret/store-sqlite');
    dir = mkdtempSync(join(tmpdir(), 'ferret-http-bench-'));
    const sqlite = new SqliteSpanStore({ path: join(dir, 'spans.db') });
    sink = sqlite;
    stored = async () => {
      const stats = sqlite.stats() as unknown as Record<string, unknown>;
      const out: Record<string, number> = {};
      for (const [key, value] of Object.entries(stats))
        if (typeof value === 'number') out[`store.${key}`] = value;
      return out;
    };
  } else {
    sink = { write() {}, writeCounts() {} };
  }
  const profiler = new Profiler({
    sink,
    ...(everySpan ? { maxSpansPerSecond: Number.POSITIVE_INFINITY } : {}),
    flushOnExit: false,
  });
  return {
    root: (name, fn) => profiler.measure(name, fn),
    child: (name, fn) => profiler.measure(name, fn),
    stats: async () => {
      await profiler.close();
      const stats = profiler.stats() as unknown as Record<string, unknown>;
      const out: Record<string, number> = await stored();
      for (const [key, value] of Object.entries(stats))
        if (typeof value === 'number') out[key] = value;
      if (dir) rmSync(dir, { recursive: true, force: true });
      return out;
    },
  };
}

async function otel(
  sampler: 'always-on' | 'ferret-100' | 'parent-always-off',
): Promise<Instrumentation> {
  const api = await import('@opentelemetry/api');
  const base = await import('@opentelemetry/sdk-trace-base');
  const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
  const { createRateLimitedSampler } = await import('@ferret/sampler-otel');
  let exported = 0;
  const exporter: import('@opentelemetry/sdk-trace-base').SpanExporter = {
    export(spans, done) {
      exported += spans.length;
      done({ code: 0 });
    },
    shutdown: () => Promise.resolve(),
  };
  const chosen =
    sampler === 'always-on'
      ? new base.AlwaysOnSampler()
      : sampler === 'ferret-100'
        ? createRateLimitedSampler({ maxTracesPerSecond: 100 })
        : new base.ParentBasedSampler({ root: new base.AlwaysOffSampler() });
  const provider = new NodeTracerProvider({
    sampler: chosen,
    spanProcessors: [new base.BatchSpanProcessor(exporter)],
  });
  provider.register();
  const tracer = api.trace.getTracer('bench');
  return {
    root: (name, fn) =>
      tracer.startActiveSpan(name, async (span) => {
        try {
          return await fn();
        } finally {
          span.end();
        }
      }),
    child: (name, fn) =>
      tracer.startActiveSpan(name, (span) => {
        try {
          return fn();
        } finally {
          span.end();
        }
      }),
    stats: async () => {
      await provider.forceFlush();
      return { exportedSpans: exported };
    },
  };
}

async function instrumentationFor(variant: string): Promise<Instrumentation> {
  const kind = variant.replace(/^fastify-/, '');
  switch (kind) {
    case 'none':
    case 'fastify':
      return none;
    case 'als':
      return alsFloor();
    case 'ferret-discard':
      return ferret('discard', false);
    case 'ferret-sqlite':
      return ferret('sqlite', false);
    case 'ferret-sqlite-all':
      return ferret('sqlite', true);
    case 'otel-always-on':
      return otel('always-on');
    case 'otel-ferret-100':
      return otel('ferret-100');
    case 'otel-parent-always-off':
      return otel('parent-always-off');
    default:
      throw new Error(`unknown FERRET_BENCH_VARIANT ${variant}`);
  }
}

async function main(): Promise<void> {
  const variant = process.env.FERRET_BENCH_VARIANT ?? 'none';
  const instrumentation = await instrumentationFor(variant);
  let close: () => Promise<void>;
  let port: number;
  if (variant.startsWith('fastify')) {
    const { default: Fastify } = await import('fastify');
    const app = Fastify({ logger: false });
    app.get('/users/:id', async (request, reply) => {
      const body = await handleUser(instrumentation, (request.params as { id: string }).id);
      reply.header('content-type', 'application/json').send(body);
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
    close = () => app.close();
  } else {
    const server = http.createServer((req, res) => {
      handleUser(instrumentation, req.url?.split('/')[2] ?? '0').then(
        (body) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(body);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  }
  process.stdout.write(`listening ${port}\n`);
  process.once('SIGTERM', () => {
    void (async () => {
      const closing = close();
      const stats = await instrumentation.stats();
      process.stdout.write(`stats ${JSON.stringify(stats)}\n`);
      await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 500))]);
      process.exit(0);
    })();
  });
}

await main();
