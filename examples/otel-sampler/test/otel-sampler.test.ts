import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openSpanReader } from '@ferret/store-sqlite';
import { afterAll, describe, expect, it } from 'vitest';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'ferret-otel-example-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MAX_TRACES_PER_SECOND = 20; // in src/main.ts; the burst is the same

describe('examples/otel-sampler', () => {
  it('stores whole traces within the budget; ferret analyze counts requests and queries within 10%', async () => {
    const dbPath = join(tmp, 'otel.db');
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', '--db', dbPath, '--requests', '1200', '--seconds', '3'],
      { cwd: exampleDir, timeout: 90_000, env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(stdout).toMatch(/sampler +ParentBased\{root=RateLimitingSampler\{maxTracesPerSecond=20/);
    const requests = /requests: (\d+) sent, (\d+) ok, (\d+) failed in ([\d.]+) s/.exec(stdout);
    expect(requests).not.toBeNull();
    expect(Number(requests![1])).toBe(1200);
    expect(Number(requests![2]) + Number(requests![3])).toBe(1200);
    const seconds = Number(requests![4]);
    const truth = /truth: +(\d+) requests handled, (\d+) db\.query calls/.exec(stdout);
    expect(truth).not.toBeNull();
    const handled = Number(truth![1]);
    const queries = Number(truth![2]);
    expect(handled).toBe(1200);
    expect(queries).toBeGreaterThan(1200 * 3);

    const reader = openSpanReader(dbPath);
    try {
      const runId = reader.latestRunId();
      const spans = [...reader.spans({ runId })];
      const ids = new Set(spans.map((s) => s.spanId));
      const roots = spans.filter((s) => s.parentSpanId === undefined);
      // A budget of 20 traces/s, not 1,200 requests: at most rate x seconds + burst.
      expect(roots.length).toBeGreaterThanOrEqual(MAX_TRACES_PER_SECOND);
      expect(roots.length).toBeLessThanOrEqual(Math.ceil(MAX_TRACES_PER_SECOND * (seconds + 1)));
      // Whole traces: client span -> server span -> db.query and render, no orphans.
      for (const span of spans) {
        if (span.parentSpanId !== undefined) expect(ids.has(span.parentSpanId)).toBe(true);
      }
      expect(new Set(roots.map((s) => s.kind))).toEqual(new Set(['client']));
      const rootIds = new Set(roots.map((s) => s.spanId));
      const serverSpans = spans.filter((s) => rootIds.has(s.parentSpanId ?? ''));
      expect(serverSpans).toHaveLength(roots.length);
      expect(new Set(serverSpans.map((s) => s.kind))).toEqual(new Set(['server']));
      const names = new Set(spans.map((s) => s.name));
      expect(names).toEqual(new Set(['GET', 'GET /orders/:id', 'db.query', 'render']));
      expect(new Set(serverSpans.map((s) => s.name))).toEqual(new Set(['GET /orders/:id']));
      expect(spans.length).toBeGreaterThanOrEqual(roots.length * 4);
      // Every span carries its trace's weight: the client root's 1 / probability, which reached
      // the server span through the tracestate header and its children through their context.
      const rootWeight = new Map(roots.map((s) => [s.traceId, s.weight]));
      for (const span of spans) expect(span.weight).toBeCloseTo(rootWeight.get(span.traceId)!, 4);
      expect(roots.some((s) => s.weight > 1)).toBe(true);

      // What ferret analyze prints: calls within 10% of what really happened. The client span
      // counts requests sent, the server span (the root of the server's local trace, under a
      // remote parent) requests handled, db.query the queries.
      const calls = new Map(reader.summary({ runId }).map((n) => [n.name, n.calls]));
      const within10 = (estimate: number | undefined, truth: number) => {
        expect(estimate).toBeDefined();
        expect(Math.abs(estimate! - truth) / truth).toBeLessThanOrEqual(0.1);
      };
      within10(calls.get('GET'), 1200);
      within10(calls.get('GET /orders/:id'), handled);
      within10(calls.get('db.query'), queries);
      // Σ weight of the client roots misses only the requests after the last sampled one.
      expect(calls.get('GET')).toBeLessThanOrEqual(1200);
      expect(spans.every((s) => s.serviceName === 'orders-app')).toBe(true);
      expect(stdout).toContain(
        `stored:   ${roots.length} traces (budget ${MAX_TRACES_PER_SECOND}/s`,
      );
      expect(stdout).toContain(`${spans.length} spans, 0 spans without their parent`);
    } finally {
      reader.close();
    }

    const analyze = stdout.slice(stdout.indexOf('$ ferret analyze'));
    expect(analyze).toContain('db.query');
    expect(analyze).toContain('GET /orders/:id');
    expect(analyze).toContain('render');
  }, 120_000);
});
