import { setTimeout as sleep } from 'node:timers/promises';
import type { Profiler } from '@ferret/profiler';

/** A row the fake database returns. */
export interface Row {
  id: number;
  table: string;
}

/**
 * Stands in for a real database driver: each query is an async wait of a few milliseconds, with
 * a slow tail (about 3% of queries take 15-40 ms) so the summary's p99 and the slowest trace have
 * something to show. Every query is measured as a `db.query` span, a child of whatever span is
 * current (the profiler finds the parent through async context, not through arguments).
 */
export class FakeDatabase {
  readonly #profiler: Profiler;

  constructor(profiler: Profiler) {
    this.#profiler = profiler;
  }

  query(table: string, id: number): Promise<Row[]> {
    return this.#profiler.measure(
      'db.query',
      async () => {
        await sleep(queryLatencyMs());
        return [{ id, table }];
      },
      { 'db.table': table, 'db.operation': 'SELECT' },
    );
  }

  /** Several statements in one transaction: a parent span with `db.query` children. */
  transaction<T>(work: (db: FakeDatabase) => Promise<T>): Promise<T> {
    return this.#profiler.measure('db.transaction', async () => {
      await sleep(0.5);
      const result = await work(this);
      await sleep(0.5);
      return result;
    });
  }
}

function queryLatencyMs(): number {
  return Math.random() < 0.03 ? 15 + Math.random() * 25 : 1 + Math.random() * 3;
}
