// Traces the profiler recorded but never wrote (its queue overflowed): every view says so, with
// the numbers, and the child estimates stand for the lost traces too.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Profiler } from '@ferret/profiler';
import { SqliteSpanStore } from '@ferret/store-sqlite';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import { captureIo } from './support/captureIo.js';

const validateAnalyze = new Ajv().compile(
  JSON.parse(
    readFileSync(new URL('../schemas/analyze.schema.json', import.meta.url), 'utf8'),
  ) as object,
);

async function run(argv: string[]) {
  const capture = captureIo();
  const code = await main(argv, capture.io);
  return { code, stdout: capture.stdout, stderr: capture.stderr };
}

const LINE =
  /^(\S+: )?([\d,]+) recorded traces are missing from the file \(lost after sampling: queue full or write failures\); estimates are scaled from the ([\d,]+) stored$/m;

describe('a run whose queue overflowed (budget Infinity: nothing sampled away)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferret-lost-'));
  const db = join(dir, 'ferret.db');
  let stored = 0;

  beforeAll(async () => {
    const store = new SqliteSpanStore({ path: db, worker: false });
    const profiler = new Profiler({
      sink: store,
      runId: 'lossy',
      maxSpansPerSecond: Number.POSITIVE_INFINITY,
      maxQueueSize: 64,
      flushIntervalMs: 60_000,
      onError: () => {},
    });
    // 3,000 `work` calls, one `inner` each, in one synchronous loop: the queue keeps 64 spans.
    for (let i = 0; i < 3000; i++)
      profiler.measure('work', () => profiler.measure('inner', () => i));
    await profiler.close();
    stored = 3000 - profiler.stats().droppedByQueue / 2;
    expect(stored).toBeLessThan(100);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('analyze: the line under the table, inner ≈3,000; --json carries the figures, valid against the schema', async () => {
    const text = await run(['analyze', db]);
    expect(text.code).toBe(0);
    const match = LINE.exec(text.stdout);
    expect(match, text.stdout).not.toBeNull();
    expect(match![2]).toBe((3000 - stored).toLocaleString('en-US'));
    expect(match![3]).toBe(String(stored));
    expect(text.stdout).toMatch(/^work\s+3,000\s/m);

    const json = await run(['analyze', db, '--json']);
    const document = JSON.parse(json.stdout) as {
      recordedTraces: number;
      missingTraces: number;
      rows: { name: string; calls: number; callsExact: boolean }[];
    };
    expect(validateAnalyze(document), JSON.stringify(validateAnalyze.errors)).toBe(true);
    expect(document).toMatchObject({ recordedTraces: 3000, missingTraces: 3000 - stored });
    const inner = document.rows.find((row) => row.name === 'inner')!;
    expect(inner.callsExact).toBe(false);
    expect(Math.abs(inner.calls - 3000)).toBeLessThanOrEqual(300);
  });

  it('runs: the line names the run; --json has the figures', async () => {
    const text = await run(['runs', db]);
    expect(text.code).toBe(0);
    expect(LINE.exec(text.stdout)?.[1]).toBe('lossy: ');
    const runs = JSON.parse((await run(['runs', db, '--json'])).stdout) as {
      missingTraces: number;
      recordedTraces: number;
    }[];
    expect(runs[0]).toMatchObject({ recordedTraces: 3000, missingTraces: 3000 - stored });
  });

  it('report: the line on the page and in the terminal', async () => {
    const output = join(dir, 'report.html');
    const result = await run(['report', db, '-o', output]);
    expect(result.code, result.stderr).toBe(0);
    expect(LINE.test(result.stdout)).toBe(true);
    expect(readFileSync(output, 'utf8')).toContain(
      `${(3000 - stored).toLocaleString('en-US')} recorded traces are missing from the file`,
    );
  });

  it('a run that lost nothing has no such line', async () => {
    const clean = join(dir, 'clean.db');
    const store = new SqliteSpanStore({ path: clean, worker: false });
    const profiler = new Profiler({ sink: store, runId: 'clean', onError: () => {} });
    for (let i = 0; i < 10; i++) profiler.measure('work', () => profiler.measure('inner', () => i));
    await profiler.close();
    for (const argv of [
      ['analyze', clean],
      ['runs', clean],
    ]) {
      const { stdout } = await run(argv);
      expect(stdout).not.toContain('missing from the file');
    }
  });
});
