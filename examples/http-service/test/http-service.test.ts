import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openSpanReader } from '@ferret/store-sqlite';
import { afterAll, describe, expect, it } from 'vitest';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'ferret-demo-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const BUDGET = 200; // maxSpansPerSecond in src/main.ts (the burst allowance is the same)
const ROUTES = ['GET /users/:id', 'GET /search', 'POST /checkout'];

describe('examples/http-service (pnpm demo)', () => {
  it('holds the budget through a 10x burst, writes the database and prints the CLI analysis', async () => {
    const dbPath = join(tmp, 'demo.db');
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', '--db', dbPath],
      { cwd: exampleDir, timeout: 90_000, env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(existsSync(dbPath)).toBe(true);

    // The per-second table: phase, requests, recorded spans, dropped calls.
    const rows = [...stdout.matchAll(/^ +(\d+) {2}(steady|burst) +(\d+) +(\d+) +(\d+)/gm)].map(
      (m) => ({
        phase: m[2],
        requests: Number(m[3]),
        recorded: Number(m[4]),
        dropped: Number(m[5]),
      }),
    );
    const burst = rows.filter((r) => r.phase === 'burst');
    expect(burst.length).toBeGreaterThanOrEqual(3);
    // The burst really was about 10x, and the budget turned calls away...
    expect(Math.max(...burst.map((r) => r.requests))).toBeGreaterThan(250);
    expect(burst.reduce((n, r) => n + r.dropped, 0)).toBeGreaterThan(0);
    // ...while recorded spans stayed within budget x seconds + burst allowance (+ the children
    // of traces admitted just before a second ended: at most 4 per in-flight request).
    const recordedInBurst = burst.reduce((n, r) => n + r.recorded, 0);
    expect(recordedInBurst).toBeLessThanOrEqual(BUDGET * burst.length + BUDGET + 4 * 64);
    // Traffic back under budget: every call recorded again by the last second.
    expect(rows.at(-1)?.phase).toBe('steady');
    expect(rows.at(-1)?.dropped).toBe(0);

    const served = /Requests served: (\d+) \((\d+) ok, (\d+) declined checkouts, (\d+) errors/.exec(
      stdout,
    );
    expect(served).not.toBeNull();
    const requests = Number(served![1]);
    expect(requests).toBeGreaterThan(1500); // 40/s x 7 s + 400/s x 4 s = 1,880 scheduled
    expect(Number(served![3])).toBeGreaterThan(0); // some checkouts failed on purpose
    expect(Number(served![4])).toBe(0);

    // The file: exact call counts per route add up to the requests served, although only a
    // fraction of them were recorded; failed checkouts are recorded as errors.
    const reader = openSpanReader(dbPath);
    try {
      const runId = reader.latestRunId()!;
      expect(stdout).toContain(`(run ${runId})`);
      const summary = reader.summary({ runId });
      const roots = summary.filter((row) => ROUTES.includes(row.name));
      expect(roots.map((row) => row.name).sort()).toEqual([...ROUTES].sort());
      expect(roots.reduce((n, row) => n + row.calls, 0)).toBe(requests);
      const recordedRoots = roots.reduce((n, row) => n + row.recorded, 0);
      expect(recordedRoots).toBeLessThan(requests);
      for (const row of roots) expect(row.dropped).toBe(row.calls - row.recorded);
      expect(summary.find((row) => row.name === 'POST /checkout')!.errors).toBeGreaterThan(0);
      expect(summary.map((row) => row.name)).toEqual(
        expect.arrayContaining(['db.query', 'db.transaction', 'payment.authorize', 'search.rank']),
      );
    } finally {
      reader.close();
    }

    // The CLI's own output follows: the summary, then the slowest trace as a tree.
    const analyze = stdout.slice(stdout.indexOf('$ ferret analyze'));
    for (const name of [...ROUTES, 'db.query']) expect(analyze).toContain(name);
    expect(stdout).toMatch(/\$ ferret analyze .* --tree --limit 1/);
    // And the HTML report, next to the database, with where it is.
    const reportPath = join(tmp, 'report.html');
    expect(existsSync(reportPath)).toBe(true);
    expect(stdout).toContain(`Wrote the report of run `);
    expect(stdout).toMatch(/Open the report in a browser: .*report\.html/);
    expect(readFileSync(reportPath, 'utf8')).toContain('id="ferret-data"');
  }, 120_000);
});
