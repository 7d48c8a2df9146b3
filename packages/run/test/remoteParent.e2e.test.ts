// `ferret run` under clients that send their own `traceparent`: the budget, not the caller,
// decides what is recorded, and every request is counted. A sampled parent (`-01`) from a client
// used to be trusted (every such request recorded, charged as debt, starving the app's own
// roots); an unsampled one (`-00`) made the request invisible (not recorded, not counted).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSpanReader } from '@ferret/store-sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { startFerretRun } from './helpers/ferretRun.js';

const REMOTE_APP = fileURLToPath(new URL('./fixtures/remote-app.cjs', import.meta.url));
const SELF_CALLING_APP = fileURLToPath(new URL('./fixtures/app.cjs', import.meta.url));

let dir = '';
afterEach(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** `total` GETs, `concurrency` at a time, each with the headers `headersOf(i)` returns. */
async function send(
  url: string,
  total: number,
  concurrency: number,
  headersOf: (i: number) => Record<string, string>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const response = await fetch(url, { headers: headersOf(i) });
      await response.text();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

describe('ferret run: a remote parent does not decide for the budget', () => {
  it('2,000 requests with random sampled traceparents at --budget 10: stored spans stay within the budget, the app keeps its own roots, every request counted', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferret-remote-'));
    const db = join(dir, 'ferret.db');
    const run = await startFerretRun(db, { app: REMOTE_APP, budget: 10 });
    await send(`http://127.0.0.1:${run.port}/users/1`, 2000, 20, () => ({
      traceparent: `00-${hex(16)}-${hex(8)}-01`,
      // The caller's weights (a forged one, and a valid consistent-sampling threshold) are not
      // this service's: its trace carries the local weight instead.
      tracestate: 'ferret=p:1e-300,ot=th:8;rv:0123456789abcd',
    }));
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);

    const reader = openSpanReader(db);
    try {
      const [info] = reader.runs();
      const seconds = (info!.lastEndTime - info!.firstStartTime) / 1000;
      const spans = [...reader.spans()];
      // Budget × seconds + burst (10), and the children of the traces in flight (20 requests
      // at a time) as debt at the end. Trusting the header stored all 4,000.
      expect(spans.length).toBeLessThanOrEqual(Math.ceil(10 * seconds) + 10 + 20);
      const rows = Object.fromEntries(reader.summary().map((row) => [row.name, row]));
      expect(rows.GET!.calls).toBe(2000);
      expect(rows.GET!.callsExact).toBe(true);
      expect(rows.GET!.recorded).toBeGreaterThan(0);
      // Recorded requests keep the client's span as their (remote) parent, with the local weight.
      const servers = spans.filter((span) => span.name === 'GET');
      const byId = new Map(spans.map((span) => [span.spanId, span]));
      for (const span of servers) {
        expect(span.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
        expect(byId.has(span.parentSpanId!)).toBe(false);
        expect(span.weight).toBeGreaterThanOrEqual(1);
        expect(span.weight).toBeLessThanOrEqual(2000);
      }
      const handles = spans.filter((span) => span.name === 'handle');
      expect(handles.length).toBe(servers.length);
      // (read back from the `ferret=p` member the sampler wrote: 8 significant digits)
      for (const span of handles) {
        expect(span.weight / byId.get(span.parentSpanId!)!.weight).toBeCloseTo(1, 6);
      }
      // The background job (20 calls/s) keeps about its fair share (5/s of 10) while flooded.
      const job = rows['background job']!;
      expect(job.recorded).toBeGreaterThanOrEqual(Math.floor(seconds * 2));
      expect(info!.rootCalls).toBe(2000 + job.calls);
    } finally {
      reader.close();
    }
  }, 180_000);

  it('500 requests with an unsampled traceparent (-00): all 500 counted, some recorded', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferret-remote-'));
    const db = join(dir, 'ferret.db');
    const run = await startFerretRun(db, { app: REMOTE_APP, budget: 100 });
    await send(`http://127.0.0.1:${run.port}/users/1`, 500, 10, () => ({
      traceparent: `00-${hex(16)}-${hex(8)}-00`,
    }));
    run.child.kill('SIGINT');
    await run.exited;

    const reader = openSpanReader(db);
    try {
      const rows = Object.fromEntries(reader.summary().map((row) => [row.name, row]));
      expect(rows.GET!.calls).toBe(500);
      expect(rows.GET!.recorded).toBeGreaterThan(0);
      // measure() blocks inside recorded requests are recorded as their children.
      expect(rows.handle!.recorded).toBe(rows.GET!.recorded);
    } finally {
      reader.close();
    }
  }, 180_000);

  it('an app calling itself keeps whole traces: the server span under its own client span is a child, counted once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferret-remote-'));
    const db = join(dir, 'ferret.db');
    const run = await startFerretRun(db, { app: SELF_CALLING_APP, budget: 100_000 });
    for (let i = 0; i < 30; i++) {
      const response = await fetch(`http://127.0.0.1:${run.port}/orders/${i}`);
      await response.text();
    }
    run.child.kill('SIGINT');
    await run.exited;

    const reader = openSpanReader(db);
    try {
      expect(reader.runs()[0]!.rootCalls).toBe(30);
      const spans = [...reader.spans()];
      const byId = new Map(spans.map((span) => [span.spanId, span]));
      const traces = new Set(spans.map((span) => span.traceId));
      expect(traces.size).toBe(30);
      // The backend's server span (GET /stock) hangs under the fetch's client span.
      const backend = spans.filter(
        (span) =>
          span.attributes['url.path'] === '/stock' || span.attributes['http.target'] === '/stock',
      );
      expect(backend.length).toBeGreaterThanOrEqual(30);
      for (const span of backend) expect(byId.has(span.parentSpanId ?? '')).toBe(true);
    } finally {
      reader.close();
    }
  }, 180_000);
});
