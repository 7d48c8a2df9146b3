// `String(x)` of ferret run's public classes says what each is configured with (OpenTelemetry's
// `Name{key=value, …}` style), so a log line or a debugger shows the limits in force.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Profiler } from '@ferret/profiler';
import { describe, expect, it } from 'vitest';
import { FerretRun, ProfilerSampler, StoreSpanProcessor } from '../src/index.js';

describe('toString', () => {
  it('ProfilerSampler: the budget it shares with the profiler, and its run tag', () => {
    const profiler = new Profiler({ enabled: false, maxSpansPerSecond: 25 });
    expect(String(new ProfilerSampler(profiler))).toBe(
      'ProfilerSampler{maxSpansPerSecond=25, bucket=profiler, runTag=none}',
    );
    expect(String(new ProfilerSampler(profiler, { runId: 'r1' }))).toMatch(
      /^ProfilerSampler\{maxSpansPerSecond=25, bucket=profiler, runTag=[0-9a-f]{16}\}$/,
    );
  });

  it('StoreSpanProcessor: its limits and counters', async () => {
    const exporter = { export: () => {}, shutdown: async () => {} } as never;
    const processor = new StoreSpanProcessor(exporter, { maxQueueSize: 10, flushIntervalMs: 50 });
    expect(String(processor)).toBe(
      'StoreSpanProcessor{maxQueueSize=10, flushIntervalMs=50, queued=0, exported=0, dropped=0}',
    );
    await processor.shutdown();
  });

  it('FerretRun: run id, database, budget, libraries and drain time-out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferret-tostring-'));
    try {
      const db = join(dir, 'ferret.db');
      const run = FerretRun.start(
        { db, budget: 7, runId: 'run-1', libs: [], stallMs: undefined, ownsRun: true },
        1500,
      );
      expect(String(run)).toBe(
        `FerretRun{runId="run-1", db=${JSON.stringify(db)}, budget=7, libs=none, drainTimeoutMs=1500}`,
      );
      await run.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
