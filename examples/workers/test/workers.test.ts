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
    const calls = workers.reduce((n, w) => n + w.calls, 0);
    const recorded = workers.reduce((n, w) => n + w.recorded, 0);
    const seconds = Number(/recorded \d+ spans in ([\d.]+) s/.exec(stdout)?.[1]);
    // Far more work than the budget...
    expect(calls).toBeGreaterThan(10 * (RATE * seconds + BURST));
    // ...yet all four together stayed within one budget (plus the children of the traces in
    // flight: 4 workers x 8 lanes x 2 children), not four.
    expect(recorded).toBeGreaterThanOrEqual(BURST);
    expect(recorded).toBeLessThanOrEqual(RATE * seconds + BURST + 4 * 8 * 2);

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
