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
  it('stores whole traces within the budget and prints the ferret analyze summary', async () => {
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
      expect(names).toEqual(new Set(['GET', 'db.query', 'render']));
      expect(spans.length).toBeGreaterThanOrEqual(roots.length * 3);
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
    expect(analyze).toContain('render');
  }, 120_000);
});
