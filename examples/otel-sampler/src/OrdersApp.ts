// A default import on purpose: HttpInstrumentation patches the properties of the `http` module
// object (shared by CommonJS and this default export), so calls made through `http.` go through
// the patch; named ESM imports would keep the unpatched functions.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('orders-app');

/**
 * A tiny orders API. The HTTP server span comes from `@opentelemetry/instrumentation-http`;
 * inside it the handler adds its own spans with the OpenTelemetry API: a `db.query` and a
 * `render`. About 5% of orders fail (status ERROR, answered with 500).
 */
export class OrdersApp {
  readonly server: http.Server;

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
    try {
      const order = await tracer.startActiveSpan('db.query', async (span) => {
        span.setAttribute('db.system.name', 'fake');
        span.setAttribute('db.query.text', 'SELECT * FROM orders WHERE id = ?');
        try {
          await sleep(Math.random() < 0.03 ? 20 + Math.random() * 20 : 1 + Math.random() * 3);
          if (Math.random() < 0.05) throw new Error(`order ${id} is locked`);
          return { id, items: id % 7 };
        } catch (error) {
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
          throw error;
        } finally {
          span.end();
        }
      });
      const body = tracer.startActiveSpan('render', (span) => {
        const text = JSON.stringify({ order, lines: Array.from({ length: 50 }, (_, i) => i * id) });
        span.setAttribute('render.bytes', text.length);
        span.end();
        return text;
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    } catch {
      res.writeHead(500).end();
    }
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
