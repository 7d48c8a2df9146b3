/**
 * Rate limiting both ways round, with @ferret/ratelimit:
 *
 * 1. Outbound: `withRateLimit` wraps a client for a (local, fake) HTTP API that allows 5
 *    requests per second. Ten calls are started at once; the limiter holds them so they reach
 *    the API 200 ms apart, in the order they were made.
 * 2. Inbound: a server limits each client with `KeyedRateLimiter` and answers `429` with a
 *    `Retry-After` header. A greedy client gets limited, a polite one does not notice, and the
 *    greedy one succeeds again after waiting as told.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { withRateLimit } from '@ferret/ratelimit';
import { FakeApi } from './FakeApi.js';
import { ThrottledServer } from './ThrottledServer.js';

const API_REQUESTS_PER_SECOND = 5;
const OUTBOUND_CALLS = 10;

async function outbound(): Promise<void> {
  console.log(
    `1. Outbound: ${OUTBOUND_CALLS} calls started at once through withRateLimit(fn, { requestsPerSecond: ${API_REQUESTS_PER_SECOND}, burst: 1 })`,
  );
  const api = new FakeApi();
  const baseUrl = await api.listen();
  let waits = 0;
  // The limiter's clock, read here too: every time below is on the scale the limiter counts on.
  const clock = (): number => performance.now();
  // When each call was let through: what the limiter controls, free of the network jitter
  // that arrival times at the API would add.
  const released: number[] = [];
  const getQuote = withRateLimit(
    async (symbol: string): Promise<unknown> => {
      released.push(clock());
      const res = await fetch(`${baseUrl}/quotes/${symbol}`);
      return res.json();
    },
    { requestsPerSecond: API_REQUESTS_PER_SECOND, burst: 1, clock, onWait: () => waits++ },
  );
  const symbols = Array.from({ length: OUTBOUND_CALLS }, (_, i) => `SYM${i + 1}`);
  // Read before any call is made, so no call can be let through earlier than this. With a burst
  // of 1, call n (from 1) goes no sooner than (n - 1) × 200 ms after it; a busy machine may
  // let it through later, and the gap after a late call is then shorter, as a token bucket
  // allows (the rate over the whole run is what it keeps).
  const started = clock();
  await Promise.all(symbols.map((symbol) => getQuote(symbol)));
  await api.close();

  let previous = started;
  for (const [i, at] of released.entries()) {
    const gap = i === 0 ? '' : `(gap ${Math.round(at - previous)} ms)`;
    console.log(
      `   call ${String(i + 1).padStart(2)} sent at +${String(Math.round(at - started)).padStart(4)} ms ${gap}`,
    );
    previous = at;
  }
  const first = released[0] ?? started;
  const spanMs = previous - first;
  const rate = ((released.length - 1) * 1000) / spanMs;
  console.log(
    `   ${released.length} calls over ${Math.round(spanMs)} ms = ${rate.toFixed(2)} requests/s (limit ${API_REQUESTS_PER_SECOND}/s); ${waits} calls had to wait; the API received ${api.arrivals.length}`,
  );
}

interface Attempt {
  client: string;
  status: number;
  remaining: string;
  retryAfter: string;
}

async function call(baseUrl: string, client: string): Promise<Attempt> {
  const res = await fetch(`${baseUrl}/orders`, { headers: { 'x-client-id': client } });
  await res.arrayBuffer();
  const attempt: Attempt = {
    client,
    status: res.status,
    remaining: res.headers.get('x-ratelimit-remaining') ?? '-',
    retryAfter: res.headers.get('retry-after') ?? '-',
  };
  console.log(
    `   ${client.padEnd(6)} -> ${attempt.status}  remaining ${attempt.remaining.padStart(2)}  retry-after ${attempt.retryAfter}`,
  );
  return attempt;
}

async function inbound(): Promise<void> {
  const ratePerSecond = 1;
  const capacity = 3;
  console.log(
    `\n2. Inbound: a server with KeyedRateLimiter({ ratePerSecond: ${ratePerSecond}, capacity: ${capacity} }), one bucket per x-client-id`,
  );
  const server = new ThrottledServer({ ratePerSecond, capacity });
  const baseUrl = await server.listen();

  console.log('   "greedy" sends 6 requests back to back; "polite" sends 2 in between:');
  let lastGreedy: Attempt | undefined;
  for (let i = 0; i < 6; i++) {
    lastGreedy = await call(baseUrl, 'greedy');
    if (i === 2 || i === 4) await call(baseUrl, 'polite');
  }
  const retryAfterSeconds = Number(lastGreedy?.retryAfter ?? 1);
  console.log(
    `   "greedy" waits the ${retryAfterSeconds} s that Retry-After asked for, then retries:`,
  );
  await sleep(retryAfterSeconds * 1000);
  await call(baseUrl, 'greedy');

  for (const client of ['greedy', 'polite']) {
    const usage = server.limiter.usage(client);
    console.log(
      `   usage(${JSON.stringify(client)}): ${usage.requests} requests, ${usage.limited} limited, ${usage.tokens.toFixed(2)} tokens left`,
    );
  }
  await server.close();
}

await outbound();
await inbound();
