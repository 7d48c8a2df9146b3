import { createServer, type Server } from 'node:http';
import { KeyedRateLimiter } from '@ferret/ratelimit';

/** Options for {@link ThrottledServer}. */
export interface ThrottledServerOptions {
  /** Requests per second each client may make on average. */
  ratePerSecond: number;
  /** Requests a client may make at once after being idle (its burst). */
  capacity: number;
}

/**
 * An HTTP API that limits each client separately: one token bucket per `x-client-id` header
 * (falling back to the remote address), created on the client's first request. A client over
 * its limit gets `429 Too Many Requests` with a `Retry-After` header (whole seconds, rounded up,
 * as RFC 9110 requires) and the exact wait in the body; other clients are unaffected.
 */
export class ThrottledServer {
  readonly limiter: KeyedRateLimiter;
  readonly #server: Server;

  constructor(options: ThrottledServerOptions) {
    this.limiter = new KeyedRateLimiter({
      ratePerSecond: options.ratePerSecond,
      capacity: options.capacity,
    });
    this.#server = createServer((req, res) => {
      const header = req.headers['x-client-id'];
      const client =
        (Array.isArray(header) ? header[0] : header) ?? req.socket.remoteAddress ?? '?';
      const { allowed, retryAfterMs, remaining } = this.limiter.check(client);
      res.setHeader('x-ratelimit-remaining', String(Math.floor(remaining)));
      if (!allowed) {
        res.writeHead(429, {
          'content-type': 'application/json',
          'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
        });
        res.end(
          JSON.stringify({ error: 'too many requests', retryAfterMs: Math.ceil(retryAfterMs) }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ client, path: req.url }));
    });
  }

  /** Listens on an ephemeral port on 127.0.0.1; returns the base URL. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', resolve);
    });
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
