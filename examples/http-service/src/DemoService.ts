import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Profiler } from '@ferret/profiler';
import { FakeDatabase } from './FakeDatabase.js';

/** Thrown by the fake payment provider; the handler answers 402. */
export class PaymentDeclinedError extends Error {
  override readonly name = 'PaymentDeclinedError';
}

/** Share of checkouts the fake payment provider declines. */
const DECLINE_RATE = 0.1;

/**
 * A small `node:http` shop API whose handlers are measured with `profiler.measure()`. Each
 * route is a root span named after the route, with nested work underneath:
 *
 * - `GET /users/:id`: a `db.query`, then `template.render` (synchronous CPU work).
 * - `GET /search?q=`: two `db.query` in parallel (`Promise.all`), then `search.rank` (CPU).
 * - `POST /checkout`: a `db.transaction` with two `db.query` children, then
 *   `payment.authorize`, which fails for about 10% of requests (status `error` on the span and
 *   its root, answered with 402).
 */
export class DemoService {
  readonly #profiler: Profiler;
  readonly #db: FakeDatabase;
  readonly server: Server;

  constructor(profiler: Profiler) {
    this.#profiler = profiler;
    this.#db = new FakeDatabase(profiler);
    this.server = createServer((req, res) => {
      void this.#handle(req, res);
    });
    this.server.keepAliveTimeout = 2000;
  }

  /** Listens on an ephemeral port on 127.0.0.1 and returns the port. */
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

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const userMatch = /^\/users\/(\d+)$/.exec(url.pathname);
    try {
      let body: unknown;
      if (req.method === 'GET' && userMatch !== null) {
        const id = Number(userMatch[1]);
        body = await this.#profiler.measure('GET /users/:id', () => this.#getUser(id), {
          'user.id': id,
        });
      } else if (req.method === 'GET' && url.pathname === '/search') {
        const q = url.searchParams.get('q') ?? '';
        body = await this.#profiler.measure('GET /search', () => this.#search(q), {
          'search.query': q,
        });
      } else if (req.method === 'POST' && url.pathname === '/checkout') {
        body = await this.#profiler.measure('POST /checkout', () => this.#checkout());
      } else {
        respond(res, 404, { error: 'not found' });
        return;
      }
      respond(res, 200, body);
    } catch (error) {
      if (error instanceof PaymentDeclinedError) respond(res, 402, { error: error.message });
      else respond(res, 500, { error: 'internal error' });
    }
  }

  async #getUser(id: number): Promise<unknown> {
    const [user] = await this.#db.query('users', id);
    return this.#profiler.measure('template.render', () => ({ user, html: renderProfile(id) }));
  }

  async #search(q: string): Promise<unknown> {
    const [products, reviews] = await Promise.all([
      this.#db.query('products', q.length),
      this.#db.query('reviews', q.length),
    ]);
    const ranked = this.#profiler.measure('search.rank', (span) => {
      const scores = rankCandidates(q, 2000);
      span.annotate({ 'search.candidates': scores.length });
      return scores.slice(0, 10);
    });
    return { products, reviews, ranked };
  }

  async #checkout(): Promise<unknown> {
    const order = await this.#db.transaction(async (db) => {
      const [cart] = await db.query('carts', 1);
      const [stock] = await db.query('inventory', 1);
      return { cart, stock };
    });
    await this.#profiler.measure('payment.authorize', async () => {
      await sleep(2 + Math.random() * 4);
      if (Math.random() < DECLINE_RATE) throw new PaymentDeclinedError('card declined');
    });
    return { order, status: 'paid' };
  }
}

function respond(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Synchronous CPU work (a fraction of a millisecond): string building. */
function renderProfile(id: number): string {
  let html = '';
  for (let i = 0; i < 200; i++) html += `<li data-user="${id}">item ${i}</li>`;
  return html;
}

/** Synchronous CPU work (about a millisecond): score and sort candidates. */
function rankCandidates(q: string, count: number): number[] {
  const scores = new Array<number>(count);
  let seed = q.length + 1;
  for (let i = 0; i < count; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    scores[i] = Math.sin(seed) * Math.sqrt(i + 1);
  }
  return scores.sort((a, b) => b - a);
}
