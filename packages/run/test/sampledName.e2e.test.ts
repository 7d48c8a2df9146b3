// `ferret run` on a Fastify app: the HTTP server span is sampled as `GET`, then named after its
// route; its call is counted under the route when the response ends. The stored span needs no
// `ferret.sampled_name`, the reader counts each route exactly and shows no `GET` line for the
// routed requests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NameSummary, openSpanReader } from '@ferret/store-sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { startFerretRun } from './helpers/ferretRun.js';

const FERRET = fileURLToPath(new URL('../../cli/bin/ferret.js', import.meta.url));
const APP = fileURLToPath(new URL('./fixtures/routes-app.cjs', import.meta.url));

let dir = '';
afterEach(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

const pick = (rows: NameSummary[]) =>
  Object.fromEntries(rows.map((row) => [row.name, [row.calls, row.callsExact, row.recorded]]));

describe('ferret run: HTTP server spans renamed to their route', () => {
  it('every route counted exactly; unrouted requests alone under GET; summary, profile and analyze agree', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferret-routes-'));
    const db = join(dir, 'ferret.db');
    // A budget nothing reaches: every request is recorded, so every count is exact.
    const run = await startFerretRun(db, { app: APP, budget: 100_000 });
    const paths = [
      ...Array(12).fill('/slow'),
      ...Array(9).fill('/fast'),
      ...Array(4).fill('/nope'),
    ];
    for (const path of paths) {
      const response = await fetch(`http://127.0.0.1:${run.port}${path}`);
      await response.text();
    }
    run.child.kill('SIGINT');
    await run.exited;

    const reader = openSpanReader(db);
    try {
      const roots = [...reader.spans()].filter((span) => span.parentSpanId === undefined);
      const routed = roots.filter((span) => span.name === 'GET /slow');
      expect(routed).toHaveLength(12);
      for (const span of routed) expect(span.attributes['ferret.sampled_name']).toBeUndefined();
      for (const span of roots.filter((s) => s.name === 'GET')) {
        expect(span.attributes['ferret.sampled_name']).toBeUndefined();
      }
      const summary = reader.summary();
      const rows = pick(summary);
      expect(rows['GET /slow']).toEqual([12, true, 12]);
      expect(rows['GET /fast']).toEqual([9, true, 9]);
      expect(rows.GET).toEqual([4, true, 4]);
      expect(pick(reader.profile().summary)).toEqual(rows);
      expect(pick(reader.analyze().rows)).toEqual(rows);
    } finally {
      reader.close();
    }
    const analyzed = execFileSync(process.execPath, [FERRET, 'analyze', db], { encoding: 'utf8' });
    expect(analyzed).toMatch(/GET \/slow\s+12\s/);
    expect(analyzed).toMatch(/GET\s+4\s/);
  }, 120_000);
});
