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
const tmp = mkdtempSync(join(tmpdir(), 'ferret-workers-example-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RATE = 200; // src/main.ts: spans per second for all workers together
const BURST = 200;
const SPANS_PER_TRACE = 3; // job, parse, store

describe('examples/workers', () => {
  it('keeps four worker profilers within one shared budget', async () => {
    const dbPath = join(tmp, 'workers.db');
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', '--db', dbPath, '--workers', '4', '--seconds', '2'],
      { cwd: exampleDir, timeout: 90_000 },
    );

    const workers = [...stdout.matchAll(/^ +([1-4]) +(\d+) +(\d+) +(\d+) +(\d+)$/gm)].map((m) => ({
      threadId: Number(m[2]),
      calls: Number(m[3]),
      recorded: Number(m[4]),
      dropped: Number(m[5]),
    }));
    expect(workers).toHaveLength(4);
    expect(new Set(workers.map((w) => w.threadId)).size).toBe(4);
    const recorded = workers.reduce((n, w) => n + w.recorded, 0);
    // The window the workers really ran, by their monotonic clocks (printed to 0.1 s, so half
    // of that is added back): on a busy machine it is longer than --seconds, and the budget, a
    // rate, allows more.
    const seconds = Number(/recorded \d+ spans in ([\d.]+) s/.exec(stdout)?.[1]) + 0.05;
    expect(seconds).toBeGreaterThanOrEqual(2);
    const oneBudget = RATE * seconds + BURST;
    // Every worker alone offered more spans than the whole budget allows, so budgets of their
    // own would have let each record about that much (four times the bound below). How many
    // calls a worker makes depends on how busy the machine is; this only needs each to outrun
    // one budget, which even a starved worker does many times over.
    for (const w of workers) expect(w.calls * SPANS_PER_TRACE).toBeGreaterThan(oneBudget);
    for (const w of workers) expect(w.dropped).toBeGreaterThan(0);
    // ...yet all four together stayed within one budget (plus the children of the traces in
    // flight: 4 workers x 8 lanes x 2 children), not four.
    expect(recorded).toBeGreaterThanOrEqual(BURST);
    expect(recorded).toBeLessThanOrEqual(oneBudget + 4 * 8 * 2);

    // The file holds exactly those spans, each tagged with the thread that recorded it.
    const reader = openSpanReader(dbPath);
    try {
      const byThread = new Map<number, number>();
      for (const span of reader.spans({ runId: reader.latestRunId() })) {
        byThread.set(span.threadId, (byThread.get(span.threadId) ?? 0) + 1);
      }
      for (const w of workers) expect(byThread.get(w.threadId) ?? 0).toBe(w.recorded);
      expect([...byThread.values()].reduce((a, b) => a + b, 0)).toBe(recorded);
    } finally {
      reader.close();
    }
  }, 120_000);
});
