// `ferret run` on an Express app under a low budget, with a client whose arrival order is
// biased: one route is always the first request of each burst, so it takes the tokens the bucket
// refilled in between. Each route's calls must still be exact (counted per route for every
// request, sampled or not), and a block inside each handler (one per request) estimated close to
// its route's calls. Before, every request was counted under `GET` and the count shared among the
// stored route names by Σ weight: the first-in-burst route came out several times too big.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSpanReader } from '@ferret/store-sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { startFerretRun } from './helpers/ferretRun.js';

const FERRET = fileURLToPath(new URL('../../cli/bin/ferret.js', import.meta.url));
const EXPRESS_APP = fileURLToPath(new URL('./fixtures/express-routes-app.cjs', import.meta.url));
const FASTIFY_APP = fileURLToPath(new URL('./fixtures/routes-app.cjs', import.meta.url));

let dir = '';
afterEach(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

interface Row {
  name: string;
  calls: number;
  callsExact: boolean;
  recorded: number;
}

async function get(url: string): Promise<void> {
  const response = await fetch(url);
  await response.text();
}

/**
 * `bursts` bursts, `pauseMs` apart (so that the bucket refills in between): `first` alone, then
 * `rest` all at once. Returns how many requests went to each path.
 */
async function sendBiased(
  base: string,
  bursts: number,
  pauseMs: number,
  first: string,
  rest: readonly string[],
): Promise<Map<string, number>> {
  const sent = new Map<string, number>();
  const count = (path: string) => sent.set(path, (sent.get(path) ?? 0) + 1);
  for (let burst = 0; burst < bursts; burst++) {
    await get(`${base}${first}`);
    count(first);
    await Promise.all(rest.map((path) => get(`${base}${path}`)));
    for (const path of rest) count(path);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  return sent;
}

function analyzeJson(db: string): Record<string, Row> {
  const stdout = execFileSync(process.execPath, [FERRET, 'analyze', db, '--json'], {
    encoding: 'utf8',
  });
  const rows = (JSON.parse(stdout) as { rows: Row[] }).rows;
  return Object.fromEntries(rows.map((row) => [row.name, row]));
}

describe('ferret run: per-route calls are exact whatever the arrival order', () => {
  it('Express at --budget 10, /fail always first in its burst: every route counted exactly, blocks within 10 %', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferret-route-counts-'));
    const db = join(dir, 'ferret.db');
    const run = await startFerretRun(db, { app: EXPRESS_APP, budget: 10 });
    const rest = [
      ...Array.from({ length: 12 }, (_, i) => `/users/${i}`),
      ...Array.from({ length: 6 }, (_, i) => `/search?q=${i}`),
      '/nope',
    ];
    const base = `http://127.0.0.1:${run.port}`;
    // One of each first, the bucket refilling in between: every route has a recorded trace.
    for (const path of ['/fail', '/users/0', '/search?q=0', '/nope']) {
      await get(`${base}${path}`);
      await new Promise((resolve) => setTimeout(resolve, 600));
    }
    await sendBiased(base, 40, 100, '/fail', rest);
    run.child.kill('SIGINT');
    await run.exited;

    const rows = analyzeJson(db);
    const detail = JSON.stringify(rows, null, 1);
    // What the client sent: one of each, then 40 bursts of 1 /fail, 12 /users/:id, 6 /search,
    // 1 unrouted.
    expect(rows['GET /fail'], detail).toMatchObject({ calls: 41, callsExact: true });
    expect(rows['GET /users/:id'], detail).toMatchObject({ calls: 481, callsExact: true });
    expect(rows['GET /search'], detail).toMatchObject({ calls: 241, callsExact: true });
    // The requests no route matched stay under the name they were admitted under, exact too.
    expect(rows.GET, detail).toMatchObject({ calls: 41, callsExact: true });
    // The budget did drop requests (or the counts would be exact anyway).
    const recorded = ['GET /fail', 'GET /users/:id', 'GET /search', 'GET'].reduce(
      (sum, name) => sum + (rows[name]?.recorded ?? 0),
      0,
    );
    expect(recorded, detail).toBeLessThan(400);
    expect(rows['GET /fail']!.recorded, detail).toBeGreaterThan(0);
    // One block per request, estimated through its route's exact count.
    for (const [block, calls] of [
      ['boom', 41],
      ['render', 481],
      ['search index', 241],
    ] as const) {
      expect(rows[block]?.calls, `${block}: ${detail}`).toBeGreaterThanOrEqual(calls * 0.9);
      expect(rows[block]?.calls, `${block}: ${detail}`).toBeLessThanOrEqual(calls * 1.1);
    }

    // Stored route roots carry no `ferret.sampled_name`: their calls are counted under their own name.
    const reader = openSpanReader(db);
    try {
      const roots = [...reader.spans()].filter((span) => span.parentSpanId === undefined);
      expect(roots.some((span) => span.name === 'GET /fail')).toBe(true);
      for (const span of roots) expect(span.attributes['ferret.sampled_name']).toBeUndefined();
      expect(reader.runs()[0]!.rootCalls).toBe(804);
    } finally {
      reader.close();
    }
  }, 180_000);

  it('Fastify at --budget 20, /fast always first in its burst: every route and the 404s counted exactly', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferret-route-counts-'));
    const db = join(dir, 'ferret.db');
    const run = await startFerretRun(db, { app: FASTIFY_APP, budget: 20 });
    const rest = [...Array(15).fill('/slow'), ...Array(4).fill('/nope')];
    await sendBiased(`http://127.0.0.1:${run.port}`, 30, 100, '/fast', rest);
    run.child.kill('SIGINT');
    await run.exited;

    const rows = analyzeJson(db);
    const detail = JSON.stringify(rows, null, 1);
    expect(rows['GET /fast'], detail).toMatchObject({ calls: 30, callsExact: true });
    expect(rows['GET /slow'], detail).toMatchObject({ calls: 450, callsExact: true });
    expect(rows.GET, detail).toMatchObject({ calls: 120, callsExact: true });
    expect(rows['GET /fast']!.recorded + rows['GET /slow']!.recorded, detail).toBeLessThan(300);
  }, 180_000);
});
