import { createServer, type Server } from 'node:http';

/**
 * A stand-in for a third-party HTTP API with a published limit: it answers every request and
 * remembers when each one arrived (monotonic ms), so the example can show the spacing that the
 * client-side limiter produced.
 */
export class FakeApi {
  readonly arrivals: number[] = [];
  readonly #server: Server;

  constructor() {
    this.#server = createServer((req, res) => {
      this.arrivals.push(performance.now());
      const body = JSON.stringify({ path: req.url, n: this.arrivals.length });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
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
