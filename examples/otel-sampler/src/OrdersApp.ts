// A default import on purpose: HttpInstrumentation patches the properties of the `http` module
// object (shared by CommonJS and this default export), so calls made through `http.` go through
// the patch; named ESM imports would keep the unpatched functions.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('orders-app');

/**
 * A tiny orders API. The HTTP server span comes from `@opentelemetry/instrumentation-http`; the
 * handler names it after the route (`GET /orders/:id`, as the HTTP semantic conventions name
 * server spans) and adds its own spans with the OpenTelemetry API: three or four `db.query`
 * spans (the order, its lines, its customer, and half the time the stock) and a `render`. About
 * 5% of orders fail on the first query (status ERROR, answered with 500).
 *
 * It counts what really happened, so the example can hold the sampled estimates against the
 * truth: requests handled and queries run.
 */
export class OrdersApp {
  readonly server: http.Server;
  /** Requests handled and `db.query` calls made, every one of them (sampled or not). */
  readonly counts = { requests: 0, queries: 0 };

  constructor() {
    this.server = http.createServer((req, res) => {
      void this.#handle(req, res);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', resolve);
    });
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    return address.port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const id = Number(/^\/orders\/(\d+)$/.exec(req.url ?? '')?.[1] ?? Number.NaN);
    if (!Number.isInteger(id)) {
      res.writeHead(404).end();
      return;
    }
    this.counts.requests++;
    const server = trace.getActiveSpan();
    server?.updateName('GET /orders/:id');
    server?.setAttribute('http.route', '/orders/:id');
    try {
      const order = await this.#query('SELECT * FROM orders WHERE id = ?', Math.random() < 0.05);
      const lines = await this.#query('SELECT * FROM order_lines WHERE order_id = ?');
      const customer = await this.#query('SELECT * FROM customers WHERE id = ?');
      if (Math.random() < 0.5) await this.#query('SELECT stock FROM items WHERE id IN (?)');
      const body = tracer.startActiveSpan('render', (span) => {
        const text = JSON.stringify({ id, order, lines, customer });
        span.setAttribute('render.bytes', text.length);
        span.end();
        return text;
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    } catch {
      res.writeHead(500).end();
    }
  }

  /** One `db.query` span: a few ms of fake database time (3% take 20-40 ms); `fail` throws. */
  #query(text: string, fail = false): Promise<number> {
    this.counts.queries++;
    return tracer.startActiveSpan('db.query', async (span) => {
      span.setAttribute('db.system.name', 'fake');
      span.setAttribute('db.query.text', text);
      try {
        await sleep(Math.random() < 0.03 ? 20 + Math.random() * 20 : 1 + Math.random() * 3);
        if (fail) throw new Error('order is locked');
        return text.length;
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    });
  }
}

/**
 * Sends `total` GET requests to the app, spread evenly over `durationMs`, at most `maxInFlight`
 * at once. Uses `http.request`, so each request is an instrumented client span: the root of a
 * trace that continues in the server through the `traceparent` header.
 */
export async function sendLoad(
  port: number,
  total: number,
  durationMs: number,
  maxInFlight = 128,
): Promise<{ sent: number; ok: number; failed: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const counts = { sent: 0, ok: 0, failed: 0 };
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * durationMs) / total;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    counts.sent++;
    const done = new Promise<void>((resolve) => {
      const req = http.request(
        { host: '127.0.0.1', port, path: `/orders/${i}`, agent, timeout: 5000 },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) counts.ok++;
            else counts.failed++;
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        counts.failed++;
        resolve();
      });
      req.end();
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  }
  await Promise.all(inFlight);
  agent.destroy();
  return counts;
}
