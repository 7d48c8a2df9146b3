// reader.stalls(): the stall watchdog's ferret.stall spans per stalled span name.
import { join } from 'node:path';
import { STALL_SPAN_NAME } from '@ferret/profiler';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_STALL_ROWS, openSpanReader, SqliteSpanStore } from '../src/index.js';
import { span, temporaryDirectory } from './helpers.js';

const stall = (duration: number, spanName?: unknown, runId = 'run-1') =>
  span({
    name: STALL_SPAN_NAME,
    duration,
    runId,
    attributes:
      spanName === undefined
        ? { 'ferret.stall.threshold_ms': 100 }
        : { 'ferret.stall.span.name': spanName as string },
  });

let cleanup = () => {};
afterEach(() => cleanup());

async function write(spans: ReturnType<typeof span>[]): Promise<string> {
  const temp = temporaryDirectory();
  cleanup = temp.cleanup;
  const path = join(temp.dir, 'ferret.db');
  const store = new SqliteSpanStore({ path, worker: false });
  store.write(spans);
  await store.close();
  return path;
}

describe('reader.stalls()', () => {
  it('counts stalls per stalled span name with the longest and total blocked time, most blocked first', async () => {
    const path = await write([
      span({ name: 'slow handler' }),
      stall(300, 'slow handler'),
      stall(500, 'slow handler'),
      stall(150, 'GET /orders'),
      stall(900),
      // Another run's stall is not this run's.
      stall(5000, 'slow handler', 'run-0'),
    ]);
    const reader = openSpanReader(path);
    try {
      expect(reader.stalls({ runId: 'run-1' })).toEqual([
        { spanName: null, count: 1, maxMs: 900, totalMs: 900 },
        { spanName: 'slow handler', count: 2, maxMs: 500, totalMs: 800 },
        { spanName: 'GET /orders', count: 1, maxMs: 150, totalMs: 150 },
      ]);
      expect(reader.stalls({ runId: 'run-0' })).toEqual([
        { spanName: 'slow handler', count: 1, maxMs: 5000, totalMs: 5000 },
      ]);
    } finally {
      reader.close();
    }
  });

  it('is empty for a run without stalls', async () => {
    const reader = openSpanReader(await write([span({ name: 'work' })]));
    try {
      expect(reader.stalls()).toEqual([]);
    } finally {
      reader.close();
    }
  });

  it('reads a name that is not text, or attributes that are not JSON, as no name', async () => {
    const path = await write([stall(100, 42), stall(300, 'broken'), stall(50, 'fine')]);
    const db = new Database(path);
    db.prepare(`UPDATE spans SET attributes = '{not json' WHERE attributes LIKE '%broken%'`).run();
    db.close();
    const reader = openSpanReader(path);
    try {
      expect(reader.stalls()).toEqual([
        { spanName: null, count: 2, maxMs: 300, totalMs: 400 },
        { spanName: 'fine', count: 1, maxMs: 50, totalMs: 50 },
      ]);
    } finally {
      reader.close();
    }
  });

  it(`returns at most ${MAX_STALL_ROWS} names, the most blocked`, async () => {
    const many = Array.from({ length: MAX_STALL_ROWS + 20 }, (_, i) => stall(200 + i, `name ${i}`));
    const reader = openSpanReader(await write(many));
    try {
      const rows = reader.stalls();
      expect(rows).toHaveLength(MAX_STALL_ROWS);
      expect(rows[0]).toEqual({ spanName: 'name 119', count: 1, maxMs: 319, totalMs: 319 });
      expect(rows.at(-1)!.spanName).toBe('name 20');
    } finally {
      reader.close();
    }
  });
});
